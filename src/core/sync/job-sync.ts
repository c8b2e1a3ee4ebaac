// Keeping every tracked job up to date with what the files (and, as a fallback, the processes)
// say, whichever instance changed them: file events from the watcher, a liveness check on a
// timer for ends that leave no file, and a refresh before each read.
import { promises as fs, statSync } from "node:fs";
import { repipePane } from "../../tmux/windows.js";
import type { Finalizer } from "../end/finalizer.js";
import { isProcessAlive, isSameProcessAlive } from "../procfs.js";
import type { Job } from "../job/job.js";
import { JobMetaSchema, JobOutcomeSchema, JobPaths, JobStartedSchema, jobsDir, readJson } from "../job/job-files.js";
import { serverRuns } from "../job/server-identity.js";
import { START_TIMEOUT_MS, type Launcher } from "../launch/launcher.js";
import type { Notifications } from "../notify/notifications.js";
import { ensureLoaded } from "../output/job-output.js";
import { logProblem } from "../output/log-problem.js";
import type { Restarter } from "../restart/restart.js";
import type { RunLedger } from "../restart/runs.js";
import { SAME_TICK_MS, type JobFileEvent } from "./state-watcher.js";
import type { CoreBase } from "../parts.js";
import type { InputWaits } from "../input/input-wait.js";

export interface JobSyncDeps extends CoreBase {
  runs: RunLedger;
  launcher: Launcher;
  finalizer: Finalizer;
  restarter: Restarter;
  notifications: Notifications;
  inputWaits: InputWaits;
}

export class JobSync {
  private closed = false;
  /** Job folders' mtimes when recovery read them (noteFolder), until the catch-up. */
  private readonly folderSeen = new Map<string, { mtimeMs: number; at: number }>();

  constructor(private readonly deps: JobSyncDeps) {}

  close(): void {
    this.closed = true;
  }

  onFileEvent(event: JobFileEvent): void {
    if (this.closed) return;
    const { registry, finalizer } = this.deps;
    const job = registry.get(event.jobId);
    switch (event.kind) {
      case "output":
        if (job && !this.deps.observeOnly) void job.tailer.read().catch(() => undefined);
        // Written again after a failure (room was made): the status stops saying it is lost.
        if (job?.logProblem) void this.checkLogWriter(job).catch(() => undefined);
        return;
      case "exit":
        if (job) void finalizer.finalize(job).catch(() => undefined);
        return;
      case "meta":
        if (!job) void this.discover(event.jobId).catch(() => undefined);
        return;
      case "started":
        if (job && !job.started) void this.loadStarted(job);
        return;
      case "outcome":
        if (job?.isActive && !job.finalizing) {
          void readJson(job.paths.outcome, JobOutcomeSchema).then((outcome) => outcome && finalizer.adoptOutcome(job, outcome)).catch(() => undefined);
        }
        return;
      case "log-deleted":
        if (job?.isActive && job.started) {
          const paneId = job.started.paneId;
          const tmux = this.deps.servers.for(job.started);
          // Only when it is really gone: a log rotation replaces the file, it never leaves it missing.
          void fs.access(job.paths.log).then(
            () => job.tailer.read(),
            () => this.deps.launcher.pipeCommand(job.paths).then((command) => repipePane(tmux, paneId, command)),
          ).catch(() => undefined);
        }
        return;
      case "restart":
        if (job) void this.deps.restarter.onStateFile(job).catch(() => undefined);
        return;
      case "watch":
        if (job) void registry.watches.load(job.id, job.paths.dir).catch(() => undefined);
        return;
      case "log-failed":
        if (job?.isActive) void this.checkLogWriter(job).catch(() => undefined);
        return;
      case "input-wait":
        if (job) void this.deps.inputWaits.fileChanged(job, !this.deps.observeOnly).catch(() => undefined);
        return;
      case "removed":
        if (!job) return;
        if (job.isActive && job.started) {
          // Its processes still run: keep the handle (list shows it, kill ends it). Issue 8 item 6.
          job.detached = "folder-deleted";
          this.deps.debug("job folder deleted while running", { jobId: job.id });
          registry.emitStatus(job);
          return;
        }
        registry.forget(job);
        // Removed before it started (a create that failed half-way): listeners must not keep it pending.
        if (job.isActive && !job.started) {
          job.outcome = { status: "failed", endedAt: Date.now(), error: "could not start: its job folder was removed" };
          registry.emitStatus(job);
        }
        return;
    }
  }

  /**
   * Brings every job up to what is on disk now, for a caller about to read (each tool call): an
   * outcome.json another instance wrote is adopted, an exit.json already written is finalised,
   * and finalisations under way are awaited. File events do the same, but they can lag behind.
   */
  async refresh(): Promise<void> {
    await Promise.all(this.deps.registry.all().map((job) => this.refreshJob(job)));
  }

  private async refreshJob(job: Job): Promise<void> {
    const { finalizer, runs } = this.deps;
    if (job.isActive && !job.finalizing && !job.restarting) {
      if (!job.started) await this.loadStarted(job);
      const outcome = runs.current(job, await readJson(job.paths.outcome, JobOutcomeSchema).catch(() => undefined));
      if (outcome) finalizer.adoptOutcome(job, outcome);
      else if (job.started && (await finalizer.hasCurrentExit(job))) await finalizer.finalize(job).catch(() => undefined);
      else if (job.started) await this.checkLogWriter(job);
    }
    await job.finalizing?.catch(() => undefined);
  }

  /**
   * Recovery is about to read the job's folder: its mtime now, which every file made, replaced
   * (atomic writes rename) or removed there changes, so the catch-up can skip folders left alone.
   */
  noteFolder(jobId: string, dir: string): void {
    const mtimeMs = folderMtime(dir);
    if (mtimeMs !== undefined) this.folderSeen.set(jobId, { mtimeMs, at: Date.now() });
  }

  /** Whether the job's folder may have changed since noteFolder (unknown: yes). */
  private folderChanged(job: Job): boolean {
    const seen = this.folderSeen.get(job.id);
    const mtimeMs = folderMtime(job.paths.dir);
    // File times tick coarsely (a jiffy): a change just after the note can keep the same mtime.
    return !seen || mtimeMs !== seen.mtimeMs || seen.at - seen.mtimeMs < SAME_TICK_MS;
  }

  /**
   * The watcher just became live. A manager's open does not wait for it (chokidar stats and
   * watches every job file first: 40-100 ms of a 100-job open), so whatever changed between
   * recovery's reads and now raised no event: look once at everything an event would have said.
   */
  async catchUp(): Promise<void> {
    if (this.closed) return;
    const { registry, config, restarter, inputWaits, observeOnly } = this.deps;
    const present = new Set((await fs.readdir(jobsDir(config.stateDir), { withFileTypes: true }))
      .filter((entry) => entry.isDirectory()).map((entry) => entry.name));
    if (this.closed) return;
    // Another instance's job made meanwhile, and folders deleted meanwhile.
    for (const id of present) if (!registry.has(id)) void this.discover(id).catch(() => undefined);
    for (const job of registry.all()) {
      // Asked again: a create under way here may have made its folder since the listing.
      if (!present.has(job.id) && !job.detached) void fs.access(job.paths.dir).catch(() => this.onFileEvent({ kind: "removed", jobId: job.id }));
    }
    await Promise.all(registry.all().filter((job) => !job.detached).map(async (job) => {
      // New output, as an "output" event reads it (a job this instance created meanwhile included).
      // Appending to the log leaves the folder's mtime alone, so this is asked of every active job.
      if (job.isActive && !observeOnly) await job.tailer.read().catch(() => undefined);
      // Each of these changes the folder: only folders changed since recovery read them (the
      // rest is ~500 reads for 100 jobs, beside whatever the caller does right after open).
      if (!this.folderChanged(job)) return;
      // Restarted by another instance (restart.json), its watches changed, its alarm raised or cleared.
      await restarter.onStateFile(job).catch(() => undefined);
      if (job.loaded) await registry.watches.load(job.id, job.paths.dir).catch(() => undefined);
      if (job.isActive) await inputWaits.fileChanged(job, !observeOnly).catch(() => undefined);
      // Started, ended (exit.json, outcome.json) or its log writer failing meanwhile.
      await this.refreshJob(job);
    }));
    this.folderSeen.clear();
  }

  /** Cheap fallback for ends that leave no exit.json (wrapper SIGKILLed, tmux server killed). */
  checkLiveness(): void {
    const { registry, finalizer, notifications } = this.deps;
    for (const job of registry.all()) {
      // A holder that died after the job's last marker leaves those unsent: take over now.
      if (job.notifySeen > job.notifyHandled) void notifications.takeOver(job);
      if (!job.isActive || job.finalizing) continue;
      if (job.detached === "stray") {
        // One stat read per process: a stray ends when the last of its processes does.
        if (!job.leftovers.some(isSameProcessAlive)) {
          void finalizer.finish(job, { status: "failed", endedAt: Date.now(), error: "its processes ended; its folder had been deleted, so no exit status was kept" }).catch(() => undefined);
        }
      } else if (job.started) {
        if (!isProcessAlive(job.started.panePid) || !serverRuns(job.started)) void finalizer.finalize(job, 500).catch(() => undefined);
      } else if (Date.now() - job.meta.createdAt > START_TIMEOUT_MS && !isProcessAlive(job.meta.owner.pid)) {
        void finalizer.finish(job, { status: "failed", endedAt: Date.now(), error: NEVER_STARTED }).catch(() => undefined);
      } else if (!registry.ownsJob(job)) {
        // Another instance's create whose start (started.json) or removal came without an event
        // reaching us (e.g. between recovery and the watch going live at open: a TUI showed such a
        // job "pending" for 60 s in 1 of ~10 full runs): look, at most every livenessIntervalMs.
        void this.loadStarted(job).then(() => (job.started ? undefined : this.forgetIfRemoved(job))).catch(() => undefined);
      }
    }
  }

  /** Whether the job's output still reaches its log (a full disk stops it); emits a status when that changes. */
  async checkLogWriter(job: Job): Promise<void> {
    const problem = await logProblem(job.paths.dir, job.paths.log);
    if (problem === job.logProblem) return;
    job.logProblem = problem;
    this.deps.debug("log writer", { jobId: job.id, problem });
    this.deps.registry.emitStatus(job);
  }

  private async loadStarted(job: Job): Promise<void> {
    const started = await readJson(job.paths.started, JobStartedSchema).catch(() => undefined);
    if (started && !job.started) {
      job.started = started;
      this.deps.registry.emitStatus(job);
    }
  }

  /** A job folder made by another instance after we started: track it like our own. */
  private async discover(jobId: string): Promise<void> {
    const { registry } = this.deps;
    if (registry.has(jobId)) return;
    const paths = JobPaths.of(this.deps.config.stateDir, jobId);
    const meta = await readJson(paths.meta, JobMetaSchema);
    if (!meta || registry.has(jobId)) return;
    const job = registry.track(meta, paths);
    job.started = await readJson(paths.started, JobStartedSchema).catch(() => undefined);
    job.outcome = await readJson(paths.outcome, JobOutcomeSchema).catch(() => undefined);
    await this.deps.restarter.loadState(job);
    if (await this.forgetIfRemoved(job)) return;
    if (job.isActive && !this.deps.observeOnly) await ensureLoaded(job);
    registry.emitStatus(job);
  }

  /**
   * A job that never started and whose folder is gone is a create that failed half-way: forget it.
   * Its "removed" event can come before the job is tracked here (recover or discover read
   * meta.json just before the folder went) and then found nothing to remove: the job stayed
   * pending for good (the TUI sidebar showed "0s · pending", 1 run in 231; 2 observers in 15 here).
   */
  async forgetIfRemoved(job: Job): Promise<boolean> {
    if (!job.isActive || job.started || job.detached) return false;
    if (await fs.access(job.paths.dir).then(() => true, () => false)) return false;
    this.deps.registry.forget(job);
    job.outcome = { status: "failed", endedAt: Date.now(), error: "could not start: its job folder was removed" };
    this.deps.registry.emitStatus(job);
    return true;
  }
}

function folderMtime(dir: string): number | undefined {
  try {
    return statSync(dir).mtimeMs;
  } catch {
    return undefined; // gone: the catch-up's listing says so
  }
}


/** The error of a job whose folder was made but whose window never started. */
export const NEVER_STARTED = "it never started: the OpenCode creating it exited first";
