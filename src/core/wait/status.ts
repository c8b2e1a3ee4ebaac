// Waiting for a job to reach a status (by default: to end), on the manager's status events.
import { BackgroundError } from "../errors.js";
import type { JobView } from "../job/job.js";
import type { JobStatus } from "../job/job-files.js";
import type { ManagerEventSource } from "../job/registry.js";

/** Resolves with the job's view once it is in one of `statuses`; rejects after `timeoutMs`. */
export function waitForStatus(manager: ManagerEventSource & { get(id: string): JobView }, id: string, statuses: readonly JobStatus[], timeoutMs: number): Promise<JobView> {
  const now = manager.get(id);
  if (statuses.includes(now.status)) return Promise.resolve(now);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stop();
      reject(new BackgroundError(`job ${id} did not reach ${statuses.join("/")} within ${timeoutMs} ms (it is ${manager.get(id).status})`));
    }, timeoutMs);
    const stop = manager.on("status", (view) => {
      if (view.id !== id || !statuses.includes(view.status)) return;
      clearTimeout(timer);
      stop();
      resolve(view);
    });
  });
}
