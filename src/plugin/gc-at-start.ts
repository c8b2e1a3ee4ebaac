// Old finished job folders (logs included) are collected when the plugin starts, so a machine
// that runs OpenCode every day does not keep every job forever. Same rule as `opencode-bg gc`.
import type { JobManager, RemovedJobs } from "../core/manager.js";

const DAY_MS = 24 * 60 * 60 * 1000;

/** Removes jobs that finished more than `days` ago; 0 (or less) disables it. */
export async function collectOldJobs(manager: JobManager, days: number): Promise<RemovedJobs> {
  if (!(days > 0)) return { removed: [], bytes: 0 };
  const result = await manager.removeFinished({ olderThanMs: days * DAY_MS });
  if (result.removed.length > 0) manager.debug("gc at start", { removed: result.removed.length, bytes: result.bytes, days });
  return result;
}
