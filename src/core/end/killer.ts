// Ending jobs on request: the whole process tree (SIGTERM, then SIGKILL after the grace period),
// a cancel record first so every instance calls the end "cancelled", then the window.
import { setTimeout as sleep } from "node:timers/promises";
import pLimit from "p-limit";
import { killWindow } from "../../tmux/windows.js";
import { describeError } from "../errors.js";
import type { Job } from "../job/job.js";
import { writeJson, type JobStatus } from "../job/job-files.js";
import { serverRuns } from "../job/server-identity.js";
import type { Restarter } from "../restart/restart.js";
import type { RunLedger } from "../restart/runs.js";
import type { Finalizer } from "./finalizer.js";
import { jobProcessesOf } from "./job-processes.js";
import type { ProcessSummary } from "../procfs.js";
import { killJobProcesses } from "./process-tree.js";
import type { CoreBase } from "../parts.js";

const EXIT_FILE_WAIT_MS = 1500;
/** A kill waits at most this long for cancel.json before it signals anyway. */
const CANCEL_RECORD_WAIT_MS = 1000;
/**
 * Jobs killed at once. Their /proc scans are shared (proc-snapshot.ts) and their grace periods
 * overlap: 4 at a time, 50 quiet jobs took 17-29 s under load, mostly in one-after-another collects.
 * Bounded still: each kill holds a few fds while it works (a tmux client, a record being written).
 */
const KILLS_AT_ONCE = 64;

export interface KillReport {
  id: string;
  name: string;
  /** Status before the kill; a job that had already ended only gets its leftovers and window cleaned. */
  previousStatus: JobStatus;
  status: JobStatus;
  /** Processes that got SIGTERM, and those that needed SIGKILL. */
  signalled: number;
  forced: number;
  /** The job's processes still alive after the kill (pid and command line); normally none. */
  survivors: ProcessSummary[];
  /** Records (cancel.json, outcome.json) that could not be written, e.g. on a full disk; the kill went on. */
  recordErrors?: string[];
}

export interface KillerDeps extends CoreBase {
  runs: RunLedger;
  finalizer: Finalizer;
  /** A restart under way finishes first; automatic restarts stop. */
  restarter: Restarter;
}

export class Killer {
  constructor(private readonly deps: KillerDeps) {}

  /** Kills the jobs, up to KILLS_AT_ONCE at a time. */
  killAll(jobs: readonly Job[], reason: string | undefined): Promise<KillReport[]> {
    const limit = pLimit(KILLS_AT_ONCE);
    return Promise.all(jobs.map((job) => limit(() => this.kill(job, reason))));
  }

  private async kill(job: Job, reason: string | undefined): Promise<KillReport> {
    const { config, finalizer, servers } = this.deps;
    await this.deps.restarter.beforeKill(job);
    // It may have ended by itself a moment ago (its exit.json is there, the watcher has not said
    // so yet): record that first, or the cancel request below would call its own end "cancelled".
    await finalizer.finalizeIfExited(job);
    const previousStatus = job.status;
    const wasActive = job.isActive;
    const recordErrors: string[] = [];
    let cancelRecorded: Promise<void> | undefined;
    if (wasActive) {
      // The decision is kept in memory too, so the job still ends "cancelled" when cancel.json
      // cannot be written (full disk, read-only state dir): a failed record never stops the signals.
      const cancel = { requestedAt: Date.now(), ...(reason ? { reason } : {}) };
      job.cancelRequest = { run: this.deps.runs.runOf(job), cancel };
      // Recorded before the signals, so other instances see the cancel before the exit it causes;
      // but a record that fails or hangs (full disk, stuck mount) never holds the signals back.
      // A job whose folder is gone has nowhere to record anything (and must not get a new folder).
      if (!job.detached) {
        cancelRecorded = writeJson(job.paths.cancel, cancel).catch((error) => {
          recordErrors.push(`cancel.json: ${describeError(error)}`);
        });
        await Promise.race([cancelRecorded, sleep(CANCEL_RECORD_WAIT_MS)]);
      }
    }
    job.recordError = undefined;
    const result = await killJobProcesses({ ...jobProcessesOf(job), graceMs: config.killGraceMs });
    await cancelRecorded;
    if (wasActive) await finalizer.finalize(job, job.detached ? 0 : EXIT_FILE_WAIT_MS);
    if (job.recordError) recordErrors.push(job.recordError);
    // What is left of the job now is exactly what survived this kill.
    const survivorPids = new Set(result.survivors.map((p) => p.pid));
    job.leftovers = job.leftovers.filter((p) => survivorPids.has(p.pid));
    // Window ids restart with the tmux server: only a live server that hosted it still has it.
    if (job.started && serverRuns(job.started)) await killWindow(servers.for(job.started), job.started.windowId).catch(() => undefined);
    return {
      id: job.id,
      name: job.meta.name,
      previousStatus,
      status: job.status,
      signalled: result.signalled.length,
      forced: result.forced.length,
      survivors: result.survivors,
      ...(recordErrors.length ? { recordErrors } : {}),
    };
  }
}
