// What every part of the core is built with (the manager makes one and hands it to each part,
// with the few other parts that part uses). Only types of modules that import no part, so no cycle.
import type { CoreConfig } from "./config.js";
import type { DebugLog } from "./debug.js";
import type { JobRegistry } from "./job/registry.js";
import type { TmuxServers } from "./launch/tmux-servers.js";

export interface CoreBase {
  config: CoreConfig;
  /** The jobs and their events. */
  registry: JobRegistry;
  /** Our tmux server and the servers of other instances' jobs. */
  servers: TmuxServers;
  debug: DebugLog;
  /** Watching statuses only (the TUI): logs are not tailed, nothing is restarted or ended at start. */
  observeOnly: boolean;
}
