// Which run of a job files belong to. A restart bumps the run number in restart.json first;
// exit.json and outcome.json carry the run that wrote them, so a late file from an older run is
// told apart wherever it is read. Shared by the finaliser (end/) and the restarter, which must
// not decide a job's end while its restart is being recorded.
import { isProcessAlive } from "../procfs.js";
import type { Job } from "../job/job.js";
import type { JobOutcome } from "../job/job-files.js";

export class RunLedger {
  /** Jobs whose restart is being recorded here (restart.json "restarting" until "done"). */
  readonly recording = new Set<string>();

  constructor(private readonly instanceId: string) {}

  /** The job's current run: 0 for its first, +1 per restart. */
  runOf(job: Job): number {
    return job.restartState?.run ?? 0;
  }

  /** A run file (exit/outcome) from the current run, or undefined if absent or left by an older run. */
  current<T extends { run?: number | undefined }>(job: Job, value: T | undefined): T | undefined {
    return value && (value.run ?? 0) >= this.runOf(job) ? value : undefined;
  }

  /** The outcome to write, stamped with the run it ends. */
  stamp(job: Job, outcome: JobOutcome): JobOutcome {
    const run = this.runOf(job);
    return run > 0 ? { ...outcome, run } : outcome;
  }

  /** No instance decides a job's end while it is being restarted (here, or by a live other instance). */
  blocksFinalize(job: Job): boolean {
    if (this.recording.has(job.id)) return true;
    const state = job.restartState;
    return state?.phase === "restarting" && state.by.instanceId !== this.instanceId && isProcessAlive(state.by.pid);
  }
}
