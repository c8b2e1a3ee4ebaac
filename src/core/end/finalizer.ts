// Turning "the command ended" into a job's final status, once: from exit.json, or from evidence
// in tmux when there is none (window gone, server gone, pane dead), after the last output has
// reached the log. Then outcome.json, the status event, and the window's log pipe closed.
import { setTimeout as sleep } from "node:timers/promises";
import { pokeServer } from "../../tmux/server.js";
import { closePipe, panePipeOpen, readPane, type PaneRow } from "../../tmux/windows.js";
import { describeError } from "../errors.js";
import type { Job } from "../job/job.js";
import { JobCancelSchema, JobExitSchema, JobOutcomeSchema, readJson, writeJson, type JobOutcome, type JobStarted } from "../job/job-files.js";
import { serverRuns } from "../job/server-identity.js";
import type { Launcher } from "../launch/launcher.js";
import { waitForExitMarker } from "../output/job-output.js";
import type { RunLedger } from "../restart/runs.js";
import { findLeftovers } from "./leftovers.js";
import { decideOutcome, owesExitNotice } from "./outcome.js";
import { wantsAutoRestart } from "../restart/restart-policy.js";
import { isProcessAlive } from "../procfs.js";
import type { CoreBase } from "../parts.js";

const EXIT_MARKER_WAIT_MS = 1000;
/** How long a pipe may take to drain after the job ended before it is closed anyway. */
const PIPE_DRAIN_WAIT_MS = 30_000;

export interface FinalizerDeps extends CoreBase {
  runs: RunLedger;
  /** Its environment deliveries end with the job. */
  launcher: Launcher;
}

export class Finalizer {
  private closed = false;

  constructor(private readonly deps: FinalizerDeps) {}

  /**
   * Decides the job's end now if it has ended (waiting up to `waitForExitMs` for its exit.json);
   * concurrent calls share one decision.
   */
  finalize(job: Job, waitForExitMs = 0): Promise<void> {
    const { runs } = this.deps;
    if (!job.isActive || runs.blocksFinalize(job)) return Promise.resolve();
    job.finalizing ??= (async () => {
      // Files an older run left (a restart raced with them) say nothing about this run.
      let exit = await this.currentExit(job);
      for (const deadline = Date.now() + waitForExitMs; !exit && Date.now() < deadline; ) {
        await sleep(25);
        exit = await this.currentExit(job);
      }
      // The verdict waits for the last output so a reader right after it sees everything.
      // A job that ended by itself printed its end marker: while the pane's log pipe runs and the log
      // can be written, the marker is on its way. An interrupted one may have lost it (its window goes).
      const stillWriting = async () => !job.logProblem && !!job.started && serverRuns(job.started) && (await panePipeOpen(this.deps.servers.for(job.started), job.started.paneId));
      if (exit && !this.deps.observeOnly) await waitForExitMarker(job, exit.interrupted ? 300 : EXIT_MARKER_WAIT_MS, exit.interrupted ? undefined : stillWriting);
      const existing = runs.current(job, await readJson(job.paths.outcome, JobOutcomeSchema).catch(() => undefined));
      if (existing) return this.adoptOutcome(job, existing);
      const asked = job.cancelRequest?.run === runs.runOf(job) ? job.cancelRequest.cancel : undefined;
      const cancel = asked ?? (await readJson(job.paths.cancel, JobCancelSchema).catch(() => undefined));
      // The job's own server, by pid and start time: a failed command on some other socket proves nothing.
      const serverGone = job.started ? !serverRuns(job.started) : false;
      let pane: PaneRow | undefined;
      if (!exit && job.started && !serverGone) {
        pane = await this.readDeadPane(job.started);
        if (pane && !pane.dead && isProcessAlive(job.started.panePid)) return; // still running: nothing to decide
        // A job from before socket paths were recorded, on a server that is not ours: we cannot see its window.
        if (!pane && !(await this.deps.servers.reaches(job.started))) return;
      }
      const outcome = decideOutcome({ exit, cancel, pane, windowGone: !pane && !serverGone, serverGone, now: Date.now() });
      if (runs.blocksFinalize(job)) return;
      await this.finish(job, outcome);
    })().finally(() => {
      job.finalizing = undefined;
    });
    return job.finalizing;
  }

  /** Finalises now if the current run's exit.json is there (no need to wait for the watcher). */
  async finalizeIfExited(job: Job): Promise<void> {
    if (!job.isActive) return;
    if (await this.hasCurrentExit(job)) await this.finalize(job);
  }

  /** Whether exit.json of the job's current run is on disk (one small read; absent is the usual case). */
  async hasCurrentExit(job: Job): Promise<boolean> {
    return (await this.currentExit(job)) !== undefined;
  }

  /** Records the job's final status (outcome.json, in memory whatever happens on disk) and tells everyone. */
  async finish(job: Job, decided: JobOutcome): Promise<void> {
    if (!job.isActive) return;
    const { registry, runs, servers } = this.deps;
    this.deps.launcher.cancelDelivery(job.id);
    const outcome = this.withExitNotice(job, runs.stamp(job, decided));
    // Kept in memory whatever happens on disk; a kill reports the failed record.
    if (!job.detached) {
      await writeJson(job.paths.outcome, outcome).catch((error) => {
        job.recordError = `outcome.json: ${describeError(error)}`;
      });
    }
    job.outcome = outcome;
    registry.emitStatus(job);
    registry.ended(job);
    this.lookForLeftovers(job, outcome);
    // The output is complete: stop the window's `cat` (it would otherwise live as long as the window).
    if (job.started && !this.deps.observeOnly && serverRuns(job.started)) {
      // A job ended on request loses its window next anyway; otherwise wait for the writer if it is behind.
      if (job.tailer.exitMarkerSeen || outcome.requested) await closePipe(servers.for(job.started), job.started.paneId).catch(() => undefined);
      else void this.closePipeWhenDrained(job);
    }
  }

  /** Marks in the outcome that the session is owed an exit notice, so whoever reads it later can send it. */
  private withExitNotice(job: Job, outcome: JobOutcome): JobOutcome {
    const restartFollows = wantsAutoRestart({
      policy: job.meta.restart,
      outcome,
      automaticDone: job.restartState?.automatic ?? 0,
      stopped: (job.restartState?.stoppedRun ?? -1) >= this.deps.runs.runOf(job),
    });
    const facts = { notifyOnExit: job.meta.notifyOnExit === true, sessionId: job.meta.sessionId, outcome, restartFollows };
    return owesExitNotice(facts) ? { ...outcome, exitNotice: "owed" } : outcome;
  }

  /** Another instance decided the job's end (its outcome.json): take it over. */
  adoptOutcome(job: Job, outcome: JobOutcome): void {
    if (!job.isActive || !this.deps.runs.current(job, outcome)) return;
    job.outcome = outcome;
    this.deps.registry.emitStatus(job);
    this.deps.registry.ended(job);
    this.lookForLeftovers(job, outcome);
  }

  /**
   * Its window or tmux server went away: processes that ignore SIGHUP may live on without one.
   * Every instance looks, the one that adopted the verdict too (the sidebar's observer usually decides first).
   */
  private lookForLeftovers(job: Job, outcome: JobOutcome): void {
    if (outcome.windowLost && !outcome.requested) void this.leftovers(job).catch(() => undefined);
  }

  close(): void {
    this.closed = true;
  }

  private async currentExit(job: Job) {
    return this.deps.runs.current(job, await readJson(job.paths.exit, JobExitSchema).catch(() => undefined));
  }

  /** The pane's exit state; tmux 3.3a can miss SIGCHLD and leave pane_dead_status empty: poke the job's server once and re-read. */
  private async readDeadPane(started: JobStarted): Promise<PaneRow | undefined> {
    const tmux = this.deps.servers.for(started);
    let pane = await readPane(tmux, started.paneId);
    if (pane?.dead && pane.deadStatus === undefined && pane.deadSignal === undefined && serverRuns(started)) {
      await pokeServer(started.serverPid);
      pane = await readPane(tmux, started.paneId);
    }
    return pane;
  }

  /**
   * The log writer is behind (a busy machine, a log rotation): tmux drops what it still holds for
   * a pipe it closes, so the pipe closes once the end marker reached the log (or after 30 s).
   */
  private async closePipeWhenDrained(job: Job): Promise<void> {
    const run = this.deps.runs.runOf(job);
    for (const deadline = Date.now() + PIPE_DRAIN_WAIT_MS; !job.tailer.exitMarkerSeen && !this.closed && Date.now() < deadline; ) {
      await sleep(200);
      await job.tailer.read().catch(() => undefined);
    }
    // Restarted meanwhile: the pipe now serves the new run.
    if (this.closed || job.isActive || job.restarting || this.deps.runs.runOf(job) !== run || !job.started) return;
    await closePipe(this.deps.servers.for(job.started), job.started.paneId).catch(() => undefined);
  }

  private async leftovers(job: Job): Promise<void> {
    const found = await findLeftovers(job, () => this.closed);
    if (found.length > 0) {
      this.deps.debug("processes outlived their job's window", { jobId: job.id, pids: found.map((p) => p.pid) });
      this.deps.registry.emitStatus(job);
    }
  }
}
