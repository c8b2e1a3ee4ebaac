// How a JobManager is opened (JobManager.open).
import type { CoreConfigInput } from "./config.js";
import type { JobView } from "./job/job.js";
import type { ManagerEvents } from "./job/registry.js";

export interface ManagerOptions {
  config?: Partial<CoreConfigInput>;
  env?: NodeJS.ProcessEnv;
  /** This OpenCode's identity; a new one per process by default. */
  instanceId?: string;
  /**
   * Watch statuses only (e.g. the TUI sidebar): logs are not tailed, nothing is killed at
   * start; creating and killing still work.
   */
  observeOnly?: boolean;
  /**
   * Taking over a dead holder's notifications: how far the job's markers are already in its
   * chat session (the plugin reads what the session holds). The prompt and its record are one
   * message there, so this closes the window the cursor file leaves (a holder killed between
   * OpenCode accepting a prompt and the cursor write).
   */
  notifyDeliveredUpTo?: (job: JobView) => Promise<number | undefined>;
  /** Listeners attached before jobs are recovered, so events raised while recovering are not missed. */
  listeners?: { [E in keyof ManagerEvents]?: (...args: ManagerEvents[E]) => void };
}
