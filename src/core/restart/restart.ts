// Restarting a job: a new run of the same command, cwd, caller's env, name and tags IN THE SAME
// tmux window, its log continuing. The rest of the environment is the restarting process's own
// (nothing inherited is ever stored: launch/env-pipe.ts). Also the "on-failure" policy: a job that failed by itself is
// restarted after an exponential backoff, up to its maxRestarts, by exactly one instance.
//
// Every instance sees the same files. restart.json (the run number, and "restarting" while the
// old run is ended and the new one started) is written FIRST, so no instance decides the old
// run's end meanwhile; exit.json and outcome.json carry the run that wrote them, so a late file
// from an older run is recognised as stale wherever it is read; started.json then names the new
// process, and restart.json "done" closes the restart (with the new run's first line, where
// waits start searching). A new run that ended while the restart was recorded is recorded at
// once from its exit.json, not by the liveness poll seconds later. Instances that did not restart the job
// follow through the watcher (and re-read while a restart is under way, since chokidar drops
// quick successive changes of one file).
import { promises as fs } from "node:fs";
import path from "node:path";
import { describeError, InvalidInputError } from "../errors.js";
import type { Job, JobView } from "../job/job.js";
import {
  JobOutcomeSchema, JobStartedSchema, readJson, RestartStateSchema, writeJson,
  type JobOutcome, type JobStatus, type RestartState,
} from "../job/job-files.js";
import { killJobProcesses } from "../end/process-tree.js";
import { isProcessAlive } from "../procfs.js";
import type { Finalizer } from "../end/finalizer.js";
import type { Launcher } from "../launch/launcher.js";
import { ensureLoaded, waitForExitMarker } from "../output/job-output.js";
import { backoffMs, wantsAutoRestart } from "./restart-policy.js";
import type { RunLedger } from "./runs.js";
import { wrapperScript } from "../launch/wrapper.js";
import { jobProcessesOf } from "../end/job-processes.js";
import { adoptIfOrphaned, startNewRun } from "./new-run.js";
import type { CoreBase } from "../parts.js";

/** The parts of the core a restart works with (each an object of its own; none calls back into the manager). */
export interface RestarterDeps extends CoreBase {
  runs: RunLedger;
  /** Starts the new run: its environment, its window when the old one is gone. */
  launcher: Launcher;
  /** Records the end of a run (a failed restart, a new run that ended at once). */
  finalizer: Finalizer;
}

/** What a restart did. */
export interface RestartReport {
  job: JobView;
  /** The new run's number (= restarts so far). */
  run: number;
  previousStatus: JobStatus;
  /** Processes of the old run (or its leftovers) that were signalled. */
  signalled: number;
  /** First output line number of the new run (read with since=firstLine; waits search from it). */
  firstLine: number;
  /** False when the old window was gone and the job got a new one. */
  sameWindow: boolean;
}

/** While another instance restarts a job, re-read its state this often (changes can be dropped). */
const FOLLOW_RESTART_MS = 200;
const OLD_EXIT_MARKER_WAIT_MS = 1000;

/** Restarts by request and by policy, for one manager. */
export class Restarter {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly followers = new Map<string, NodeJS.Timeout>();
  /** Jobs whose restart is being recorded here (restart.json "restarting" until "done"). */
  private closed = false;

  constructor(private readonly deps: RestarterDeps) {
    // A job that got its final status may be due for an automatic restart.
    deps.registry.internal.on("ended", (job) => this.onOutcome(job));
  }

  private runOf(job: Job): number {
    return this.deps.runs.runOf(job);
  }

  private current<T extends { run?: number | undefined }>(job: Job, value: T | undefined): T | undefined {
    return this.deps.runs.current(job, value);
  }

  /** Reads restart.json for a job found on disk; an outcome of an older run no longer counts. */
  async loadState(job: Job): Promise<void> {
    job.restartState = await readJson(job.paths.restart, RestartStateSchema).catch(() => undefined);
    if (job.outcome && !this.current(job, job.outcome)) job.outcome = undefined;
    if (job.restartState?.phase === "restarting") this.follow(job);
  }

  /** Runs the job again in its window (a new one if that is gone). Throws InvalidInputError if it cannot be restarted now. */
  restart(job: Job, options: { automatic?: boolean; reason?: string } = {}): Promise<RestartReport> {
    if (job.restarting) return job.restarting as Promise<RestartReport>;
    if (!job.started && job.isActive) throw new InvalidInputError(`job ${job.id} is still starting; restart it once it runs.`);
    if (this.deps.runs.blocksFinalize(job)) throw new InvalidInputError(`job ${job.id} is being restarted by another OpenCode right now.`);
    this.deps.runs.recording.add(job.id);
    const restarting = this.restartNow(job, options).finally(() => {
      this.deps.runs.recording.delete(job.id);
      job.restarting = undefined;
    });
    job.restarting = restarting;
    return restarting;
  }

  /**
   * A job just got its final status (decided here or read from another instance): if its policy
   * says so, schedule the automatic restart, due `backoff` after it ended.
   */
  onOutcome(job: Job): void {
    if (this.deps.observeOnly || this.closed || this.timers.has(job.id) || !this.eligible(job)) return;
    const outcome = job.outcome as JobOutcome;
    const { restartBackoffMs, restartBackoffMaxMs } = this.deps.config;
    const due = outcome.endedAt + backoffMs(job.restartState?.automatic ?? 0, restartBackoffMs, restartBackoffMaxMs);
    const run = this.runOf(job);
    const timer = setTimeout(() => {
      this.timers.delete(job.id);
      void this.autoRestart(job.id, run).catch((error) => this.deps.debug("auto restart failed", { jobId: job.id, error: String(error) }));
    }, Math.max(0, due - Date.now()));
    timer.unref();
    this.timers.set(job.id, timer);
  }

  /** restart.json changed (usually another instance restarting the job): catch up with it. */
  async onStateFile(job: Job): Promise<void> {
    if (job.restarting || this.closed) return;
    const state = await readJson(job.paths.restart, RestartStateSchema).catch(() => undefined);
    if (!state || job.restarting) return;
    const before = `${job.status} ${this.runOf(job)} ${job.started?.panePid}`;
    if (state.run > this.runOf(job)) {
      this.clearTimer(job.id);
      job.tailer.exitMarkerSeen = false;
    }
    job.restartState = state;
    if ((state.stoppedRun ?? -1) >= state.run) this.clearTimer(job.id);
    if (job.outcome && !this.current(job, job.outcome)) job.outcome = undefined;
    const started = await readJson(job.paths.started, JobStartedSchema).catch(() => undefined);
    if (started) job.started = started;
    if (state.phase === "done" && job.isActive) {
      const outcome = this.current(job, await readJson(job.paths.outcome, JobOutcomeSchema).catch(() => undefined));
      if (outcome) job.outcome = outcome;
    }
    if (state.phase === "restarting") this.follow(job);
    if (`${job.status} ${this.runOf(job)} ${job.started?.panePid}` !== before) this.deps.registry.emitStatus(job);
    this.onOutcome(job);
  }

  /**
   * Before a kill: let a restart under way finish (the kill then ends the new run), and stop
   * automatic restarts of a job that already failed: killed on request means "stay down".
   */
  async beforeKill(job: Job): Promise<void> {
    await job.restarting?.catch(() => undefined);
    this.clearTimer(job.id);
    if (!job.meta.restart || job.isActive) return;
    const state: RestartState = {
      ...(job.restartState ?? { run: 0, automatic: 0, phase: "done" as const, at: Date.now(), by: this.by() }),
      stoppedRun: this.runOf(job),
    };
    job.restartState = state;
    await writeJson(job.paths.restart, state).catch(() => undefined);
  }

  /** Cancels pending automatic restarts (the manager is closing; another instance may take over). */
  close(): void {
    this.closed = true;
    for (const timer of [...this.timers.values(), ...this.followers.values()]) clearTimeout(timer);
    this.timers.clear();
    this.followers.clear();
  }

  private async restartNow(job: Job, options: { automatic?: boolean; reason?: string }): Promise<RestartReport> {
    const { config, debug, finalizer, launcher, registry, observeOnly } = this.deps;
    await job.finalizing?.catch(() => undefined);
    // Loaded first, so output events of the new run never read the old log from its start.
    await ensureLoaded(job).catch(() => undefined);
    const previousStatus = job.status;
    const wasActive = job.isActive;
    const previous = job.restartState;
    const run = (previous?.run ?? 0) + 1;
    let state: RestartState = {
      run,
      automatic: options.automatic ? (previous?.automatic ?? 0) + 1 : 0,
      phase: "restarting",
      at: Date.now(),
      by: this.by(),
      ...(options.reason ? { reason: options.reason } : {}),
    };
    this.clearTimer(job.id);
    await writeJson(job.paths.restart, state);
    job.restartState = state;
    // From here the job is being run again: its old verdict no longer describes it.
    job.outcome = undefined;
    debug("restart", { jobId: job.id, run, automatic: options.automatic === true, previousStatus });

    let signalled = 0;
    let firstLine = job.tailer.ring.last + 1;
    let sameWindow = false;
    let failure: unknown;
    try {
      // The old run's whole tree (or what a finished run left behind); the window stays.
      const killed = await killJobProcesses({ ...jobProcessesOf(job), graceMs: config.killGraceMs });
      signalled = killed.signalled.length;
      if (wasActive && job.started && !observeOnly) await waitForExitMarker(job, OLD_EXIT_MARKER_WAIT_MS);
      await job.tailer.read().catch(() => undefined);
      firstLine = job.tailer.ring.last + 1;
      await Promise.all([job.paths.exit, job.paths.cancel, job.paths.outcome, path.join(job.paths.dir, "owner-gone")].map((file) => fs.rm(file, { force: true })));
      // The current wrapper (a job made by an older version gets the one that knows run numbers).
      await fs.writeFile(job.paths.script, wrapperScript(), { mode: 0o700 });
      await adoptIfOrphaned(job, this.by());
      const delivery = await launcher.offerEnvironment(job);
      const respawned = await startNewRun(job, run, this.deps).catch(async (error: unknown) => {
        delivery.cancel();
        await delivery.settled;
        throw error;
      });
      sameWindow = respawned.sameWindow;
      job.started = respawned.started;
      await writeJson(job.paths.started, job.started);
      job.tailer.exitMarkerSeen = false;
    } catch (error) {
      failure = error;
    }
    state = { ...state, phase: "done", at: Date.now(), firstLine };
    job.restartState = state;
    await writeJson(job.paths.restart, state).catch(() => undefined);
    this.deps.runs.recording.delete(job.id);
    if (failure) {
      debug("restart failed", { jobId: job.id, error: String(failure) });
      await finalizer.finish(job, { status: "failed", endedAt: Date.now(), error: `could not restart: ${describeError(failure)}` });
    } else {
      registry.emitStatus(job);
      // A run that ended while the restart was recorded had its exit event ignored: record it now.
      await finalizer.finalizeIfExited(job).catch(() => undefined);
    }
    return { job: registry.view(job), run, previousStatus, signalled, firstLine, sameWindow };
  }

  private eligible(job: Job): boolean {
    return wantsAutoRestart({
      policy: job.meta.restart,
      outcome: this.current(job, job.outcome),
      automaticDone: job.restartState?.automatic ?? 0,
      stopped: (job.restartState?.stoppedRun ?? -1) >= this.runOf(job),
    });
  }

  /**
   * The timer fired. The job's own OpenCode restarts it while that one lives; otherwise the first
   * instance to create the run's claim file (O_EXCL) does, so exactly one restart happens.
   */
  private async autoRestart(id: string, run: number): Promise<void> {
    const job = this.deps.registry.get(id);
    if (!job || this.closed || job.restarting || this.runOf(job) !== run || !this.eligible(job)) return;
    const owner = job.meta.owner;
    if (owner.instanceId !== this.deps.registry.instanceId && isProcessAlive(owner.pid)) return;
    const claim = path.join(job.paths.dir, `restart-${run + 1}.claim`);
    const won = await fs.writeFile(claim, JSON.stringify(this.by()), { flag: "wx", mode: 0o600 }).then(() => true, () => false);
    if (!won || this.closed || this.runOf(job) !== run || !this.eligible(job)) return;
    const policy = job.meta.restart;
    const number = (job.restartState?.automatic ?? 0) + 1;
    await this.restart(job, { automatic: true, reason: `restart: on-failure (${number} of ${policy?.maxRestarts})` });
  }

  /** Re-reads a restart another instance has under way until it is done (or that instance died). */
  private follow(job: Job): void {
    if (this.followers.has(job.id) || this.closed) return;
    const timer = setTimeout(() => {
      this.followers.delete(job.id);
      const state = job.restartState;
      if (state?.phase !== "restarting" || state.by.instanceId === this.deps.registry.instanceId) return;
      if (!isProcessAlive(state.by.pid)) return;
      // onStateFile follows again while the restart is still under way.
      void this.onStateFile(job).catch(() => undefined);
    }, FOLLOW_RESTART_MS);
    timer.unref();
    this.followers.set(job.id, timer);
  }

  private clearTimer(id: string): void {
    const timer = this.timers.get(id);
    if (timer) clearTimeout(timer);
    this.timers.delete(id);
  }

  private by(): { instanceId: string; pid: number } {
    return { instanceId: this.deps.registry.instanceId, pid: process.pid };
  }
}
