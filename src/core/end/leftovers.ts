// After a job lost its window (or its tmux server), processes that ignore SIGHUP may live on
// without one: find them by the job's env marker, so list shows them and kill can end them.
import { setTimeout as sleep } from "node:timers/promises";
import type { Job } from "../job/job.js";
import { JOB_MARKER_VARIABLE } from "../launch/wrapper.js";
import type { ProcessIdentity } from "../procfs.js";
import { collectJobMembers } from "./process-tree.js";

/** After a job lost its window, wait this long for SIGHUP to take effect before looking for leftovers. */
const LEFTOVER_SCAN_DELAY_MS = 300;

/** The job's marker processes still alive a moment later (SIGHUP had its chance); kept as job.leftovers. */
export async function findLeftovers(job: Job, closed: () => boolean): Promise<ProcessIdentity[]> {
  await sleep(LEFTOVER_SCAN_DELAY_MS);
  if (closed() || job.isActive) return [];
  const members = await collectJobMembers({ marker: { name: JOB_MARKER_VARIABLE, value: job.id } });
  job.leftovers = members;
  return members;
}
