// Restarting a job: a new run of the same command, cwd, caller's env, name and tags IN THE SAME
// tmux window, its log continuing. The rest of the environment is the restarting process's own
// (nothing inherited is ever stored: env-pipe.ts). Also the "on-failure" policy: a job that failed by itself is
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
import { readPane, type StartedWindow } from "../../tmux/windows.js";
import { respawnPane } from "../../tmux/respawn.js";
import type { TmuxClient } from "../../tmux/client.js";
import type { CoreConfig } from "../config.js";
import type { DebugLog } from "../debug.js";
import type { EnvDelivery } from "../launch/env-pipe.js";
import { InvalidInputError } from "../errors.js";
import type { Job, JobView } from "../job/job.js";
import {
  JobOutcomeSchema, JobStartedSchema, readJson, RestartStateSchema, writeFileAtomic, writeJson,
  type JobOutcome, type JobPaths, type JobStarted, type JobStatus, type RestartState,
} from "../job/job-files.js";
import { isProcessAlive, killJobProcesses } from "../end/process-tree.js";
import { serverRuns } from "../job/server-identity.js";
import { backoffMs, wantsAutoRestart } from "./restart-policy.js";
import { wrapperScript } from "../launch/wrapper.js";
import { jobProcessesOf, paneStartTimeOf } from "../end/job-processes.js";

/** What the manager lends the restarter: its tmux, config and a few internals. */
export interface RestartHost {
  instanceId: string;
  config: CoreConfig;
  tmux: TmuxClient;
  /** The tmux server a job runs on (started.json's socket; the manager's own for older jobs). */
  tmuxFor(started: JobStarted | undefined): TmuxClient;
  observeOnly: boolean;
  debug: DebugLog;
  job(id: string): Job | undefined;
  view(job: Job): JobView;
  /** The wrapper's argv for a job (the run number is appended to it). */
  wrapperArgv(paths: JobPaths): string[];
  /** The pipe-pane shell command that writes the job's (capped) log. */
  pipeCommand(paths: JobPaths): Promise<string>;
  /** A new window for a job whose window is gone, running the wrapper with `extraArgs`. */
  startWindow(job: Job, extraArgs: string[]): Promise<StartedWindow>;
  /** Puts the job's environment (this process's, plus the caller's env) in its FIFO for the new run. */
  offerEnvironment(job: Job): Promise<EnvDelivery>;
  /** Records the current run's end now if its exit.json is there. */
  finalizeIfExited(job: Job): Promise<void>;
  /** The manager's tmux server as started.json records it. */
  server(): Pick<JobStarted, "serverPid" | "socketPath" | "serverStartTime" | "session">;
  ensureLoaded(job: Job): Promise<void>;
  waitForExitMarker(job: Job, timeoutMs: number): Promise<void>;
  finish(job: Job, outcome: JobOutcome): Promise<void>;
  emitStatus(job: Job): void;
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
  private readonly recording = new Set<string>();
  private closed = false;

  constructor(private readonly host: RestartHost) {}

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
    return state?.phase === "restarting" && state.by.instanceId !== this.host.instanceId && isProcessAlive(state.by.pid);
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
    if (this.blocksFinalize(job)) throw new InvalidInputError(`job ${job.id} is being restarted by another OpenCode right now.`);
    this.recording.add(job.id);
    const restarting = this.restartNow(job, options).finally(() => {
      this.recording.delete(job.id);
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
    if (this.host.observeOnly || this.closed || this.timers.has(job.id) || !this.eligible(job)) return;
    const outcome = job.outcome as JobOutcome;
    const { restartBackoffMs, restartBackoffMaxMs } = this.host.config;
    const due = outcome.endedAt + backoffMs(job.restartState?.automatic ?? 0, restartBackoffMs, restartBackoffMaxMs);
    const run = this.runOf(job);
    const timer = setTimeout(() => {
      this.timers.delete(job.id);
      void this.autoRestart(job.id, run).catch((error) => this.host.debug("auto restart failed", { jobId: job.id, error: String(error) }));
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
    if (`${job.status} ${this.runOf(job)} ${job.started?.panePid}` !== before) this.host.emitStatus(job);
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
    const { host } = this;
    await job.finalizing?.catch(() => undefined);
    // Loaded first, so output events of the new run never read the old log from its start.
    await host.ensureLoaded(job).catch(() => undefined);
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
    host.debug("restart", { jobId: job.id, run, automatic: options.automatic === true, previousStatus });

    let signalled = 0;
    let firstLine = job.tailer.ring.last + 1;
    let sameWindow = false;
    let failure: unknown;
    try {
      // The old run's whole tree (or what a finished run left behind); the window stays.
      const killed = await killJobProcesses({ ...jobProcessesOf(job), graceMs: host.config.killGraceMs });
      signalled = killed.signalled.length;
      if (wasActive && job.started && !host.observeOnly) await host.waitForExitMarker(job, OLD_EXIT_MARKER_WAIT_MS);
      await job.tailer.read().catch(() => undefined);
      firstLine = job.tailer.ring.last + 1;
      await Promise.all([job.paths.exit, job.paths.cancel, job.paths.outcome, path.join(job.paths.dir, "owner-gone")].map((file) => fs.rm(file, { force: true })));
      // The current wrapper (a job made by an older version gets the one that knows run numbers).
      await fs.writeFile(job.paths.script, wrapperScript(), { mode: 0o700 });
      await this.adoptIfOrphaned(job);
      const delivery = await host.offerEnvironment(job);
      const respawned = await this.respawn(job, run).catch(async (error: unknown) => {
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
    this.recording.delete(job.id);
    if (failure) {
      host.debug("restart failed", { jobId: job.id, error: String(failure) });
      await host.finish(job, { status: "failed", endedAt: Date.now(), error: `could not restart: ${failure instanceof Error ? failure.message : String(failure)}` });
    } else {
      host.emitStatus(job);
      // A run that ended while the restart was recorded had its exit event ignored: record it now.
      await host.finalizeIfExited(job).catch(() => undefined);
    }
    return { job: host.view(job), run, previousStatus, signalled, firstLine, sameWindow };
  }

  /** The new run: respawned in the job's own window, or in a new window when that one is gone. */
  private async respawn(job: Job, run: number): Promise<{ started: JobStarted; sameWindow: boolean }> {
    const { host } = this;
    const started = job.started;
    // Window and pane ids only mean something to the tmux server that made them.
    if (started && serverRuns(started)) {
      const tmux = host.tmuxFor(started);
      const pane = await readPane(tmux, started.paneId).catch(() => undefined);
      if (pane?.jobId === job.id) {
        const panePid = await respawnPane(tmux, {
          paneId: started.paneId,
          startDirectory: job.paths.dir,
          argv: [...host.wrapperArgv(job.paths), String(run)],
          pipeCommand: await host.pipeCommand(job.paths),
        });
        // The old run's start time must not stay: it names a process that is gone.
        const { paneStartTime: _oldRun, ...kept } = started;
        return { started: { ...kept, panePid, ...paneStartTimeOf(panePid), startedAt: Date.now() }, sameWindow: true };
      }
    }
    const window = await host.startWindow(job, [String(run)]);
    return { started: { ...window, ...paneStartTimeOf(window.panePid), ...host.server(), startedAt: Date.now() }, sameWindow: false };
  }

  /** A session job whose OpenCode is gone becomes this instance's, so it ends with this one. */
  private async adoptIfOrphaned(job: Job): Promise<void> {
    const { meta } = job;
    if (meta.scope !== "session" || meta.owner.instanceId === this.host.instanceId || isProcessAlive(meta.owner.pid)) return;
    meta.owner = this.by();
    await writeJson(job.paths.meta, meta);
    await writeFileAtomic(job.paths.ownerPid, String(process.pid));
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
    const job = this.host.job(id);
    if (!job || this.closed || job.restarting || this.runOf(job) !== run || !this.eligible(job)) return;
    const owner = job.meta.owner;
    if (owner.instanceId !== this.host.instanceId && isProcessAlive(owner.pid)) return;
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
      if (state?.phase !== "restarting" || state.by.instanceId === this.host.instanceId) return;
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
    return { instanceId: this.host.instanceId, pid: process.pid };
  }
}
