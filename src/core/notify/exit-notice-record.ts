// The record of a job's exit notice (notifyOnExit): outcome.json says the session is owed one
// (written by whoever decided the end), and exit-notice-sent.<run> in the job's folder says it
// was handled, by whichever instance sent it. Files, so they hold across OpenCode restarts.
import { existsSync } from "node:fs";
import { createExclusive } from "../job/job-files.js";
import type { Job } from "../job/job.js";

/** The run whose end owes its session an exit notice that nobody has recorded as handled yet, if any (one stat). */
export function unsentExitNotice(job: Job): number | undefined {
  if (job.outcome?.exitNotice !== "owed") return undefined;
  const run = job.outcome.run ?? 0;
  return existsSync(job.paths.exitNoticeSent(run)) ? undefined : run;
}

/** Records run `run`'s notice as handled (delivered, or failed for good); false if it already was (an exclusive file). */
export function recordExitNoticeSent(job: Job, run: number): Promise<boolean> {
  return createExclusive(job.paths.exitNoticeSent(run)).catch(() => false);
}
