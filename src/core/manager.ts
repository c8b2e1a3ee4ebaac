// The orchestrator: creates, finds, lists, reads and kills jobs; rebuilds them from disk and
// tmux when an OpenCode (re)starts; notices exits without polling the logs. It knows nothing
// of OpenCode and speaks to tmux only through src/tmux.
import { EventEmitter } from "node:events";
import { promises as fs } from "node:fs";
import path from "node:path";
import type { FSWatcher } from "chokidar";
import { nanoid } from "nanoid";
import pLimit from "p-limit";
import { socketPathFor, TmuxClient } from "../tmux/client.js";
import { TmuxError, TmuxServerGoneError, TmuxTargetGoneError } from "../tmux/errors.js";
import { ensureSession, sessionTarget, type SessionInfo } from "../tmux/session.js";
import { closePipe, killWindow, listPanes, readPane, repipePane, sendToPane, startWindow, type PaneRow } from "../tmux/windows.js";
import { resolveConfig, type CoreConfig, type CoreConfigInput } from "./config.js";
import { validateCreateInput, type CreateJobInput } from "./create-input.js";
import { createDebugLog, type DebugLog } from "./debug.js";
import { BackgroundError, InvalidInputError, JobStartError, UnknownJobError } from "./errors.js";
import { isEmptyFilter, matchesFilter, type JobFilter } from "./filters.js";
import { JOB_ID_PATTERN, newJobId, windowNameFor } from "./ids.js";
import { Job, type JobView } from "./job.js";
import {
  JobCancelSchema, JobExitSchema, JobMetaSchema, JobOutcomeSchema, JobPaths, JobStartedSchema,
  jobsDir, readJson, writeFileAtomic, writeFileAtomicSync, writeJson, type JobMeta, type JobOutcome, type JobStarted, type JobStatus,
} from "./job-files.js";
import { processStartTime, serverRuns } from "./server-identity.js";
import { LogTailer } from "./log-tailer.js";
import { treeBytes } from "./state-dir.js";
import { resolveNotifyHolder } from "./notify-claim.js";
import { scanNotifyMarkers } from "./notify-scan.js";
import { LogCap } from "./log-cap.js";
import { logProblem } from "./log-problem.js";
import { Restarter, type RestartReport } from "./restart.js";
import { encodeEnvPayload, FifoMaker, jobEnvironment, offerEnvironment, type EnvDelivery } from "./env-pipe.js";
import { readOutput, type OutputQuery } from "./output-reader.js";
import { validateSendInput } from "./send-input.js";
import { decideOutcome, OWNER_GONE_REASON } from "./outcome.js";
import { collectJobMembers, isProcessAlive, isSameProcessAlive, killJobProcesses, type ProcessSummary } from "./process-tree.js";
import { jobProcessesOf, paneStartTimeOf } from "./job-processes.js";
import { watchJobFiles, type JobFileEvent } from "./state-watcher.js";
import { JOB_MARKER_VARIABLE, wrapperScript } from "./wrapper.js";
import { scanMarkedProcesses, type MarkedProcess } from "./marker-scan.js";
import { JobWatches } from "./job-watches.js";
import { buildWatchFile } from "./watch-spec.js";
import type { LineEvent } from "./line-event.js";

export interface ManagerEvents {
  /** A job changed status (created, started, ended). */
  status: [job: JobView];
  /**
   * A running job printed `OPENCODE_NOTIFY: message` and this instance delivers its
   * notifications (its owner, or the successor of a dead owner; see notify-claim.ts). `position`
   * (the marker's end in the log) goes back to notificationsHandled once the marker is handled.
   */
  notify: [job: JobView, message: string, position: number, event?: LineEvent];
  /** A complete output line (clean text) with its absolute line number. */
  line: [jobId: string, line: string, lineNo: number];
}

export interface ManagerOptions {
  config?: Partial<CoreConfigInput>;
  env?: NodeJS.ProcessEnv;
  /** This OpenCode's identity; a new one per process by default. */
  instanceId?: string;
  /**
   * Watch statuses only (e.g. the TUI sidebar): logs are not tailed, nothing is killed at
   * start; creating and killing still work.
   */
  observeOnly?: boolean;
  /**
   * Taking over a dead holder's notifications: how far the job's markers are already in its
   * chat session (the plugin reads what the session holds). The prompt and its record are one
   * message there, so this closes the window the cursor file leaves (a holder killed between
   * OpenCode accepting a prompt and the cursor write).
   */
  notifyDeliveredUpTo?: (job: JobView) => Promise<number | undefined>;
  /** Listeners attached before jobs are recovered, so events raised while recovering are not missed. */
  listeners?: { [E in keyof ManagerEvents]?: (...args: ManagerEvents[E]) => void };
}

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

export interface OutputRead {
  lines: { no: number; text: string }[];
  /** Line number to pass as `since` next time to get only what is new. */
  next: number;
  /** True when lines asked for are gone from memory and from the log file. */
  dropped: boolean;
  /** The unfinished last line, e.g. a prompt waiting for input. */
  pending: string;
  /** Oldest line kept in memory; older ones are read from the log file with `since`. */
  firstKept?: number;
  /** Lines after `next` are already there: read again with since=next for the rest. */
  more?: boolean;
  /** Line range this read took from the log file on disk (older than the memory buffer). */
  fromDisk?: { first: number; last: number };
  /** With grep: the line range searched (only matching lines are in `lines`). */
  searched?: { first: number; last: number };
}

/** What removeFinished removed (or would remove, on a dry run) and the bytes their folders held. */
export interface RemovedJobs {
  removed: JobView[];
  bytes: number;
}

const EXIT_MARKER_WAIT_MS = 1000;
/** Longest wait for the end of a job's output while its log keeps growing. */
const OUTPUT_END_WAIT_MS = 30_000;
const EXIT_FILE_WAIT_MS = 1500;
/** A job whose folder exists but never got a window is given up on after this long. */
const START_TIMEOUT_MS = 30_000;
const RESUME_TAIL_BYTES = 2 * 1024 * 1024;
const FINISHED_TAIL_BYTES = 256 * 1024;
/** A kill waits at most this long for cancel.json before it signals anyway. */
const CANCEL_RECORD_WAIT_MS = 1000;
/** After a job lost its window, wait this long for SIGHUP to take effect before looking for leftovers. */
const LEFTOVER_SCAN_DELAY_MS = 300;

export class JobManager {
  readonly instanceId: string;
  /** Each job's watches and readiness (watch.json; issue 12): which output lines are events. */
  readonly watches = new JobWatches();
  readonly config: CoreConfig;
  readonly tmux: TmuxClient;
  /** Clients of other tmux servers that jobs in the state dir run on (by socket path), made lazily. */
  private readonly otherServers = new Map<string, TmuxClient>();
  private readonly env: NodeJS.ProcessEnv;
  private readonly jobs = new Map<string, Job>();
  private readonly emitter = new EventEmitter<ManagerEvents>();
  private session: SessionInfo | undefined;
  private watcher: FSWatcher | undefined;
  private livenessTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly observeOnly: boolean;
  private readonly notifyDeliveredUpTo: ManagerOptions["notifyDeliveredUpTo"];
  readonly debug: DebugLog;
  /** Restarts by request and by policy (restart.ts). */
  private readonly restarts: Restarter;
  /** The capped log writer every window's pipe-pane runs (log-cap.ts). */
  private readonly logCap: LogCap;
  /** This process's environment (options.env): what jobs start from, and restarts too. */
  private readonly baseEnv: NodeJS.ProcessEnv;
  /** Environments on their way to a wrapper through its FIFO, by job id (env-pipe.ts). */
  private readonly envDeliveries = new Map<string, EnvDelivery>();
  /** Keeps a spare FIFO in the state dir so create does not wait for mkfifo. */
  private readonly fifos: FifoMaker;

  private constructor(options: ManagerOptions) {
    this.observeOnly = options.observeOnly ?? false;
    this.notifyDeliveredUpTo = options.notifyDeliveredUpTo;
    const env = options.env ?? process.env;
    this.baseEnv = env;
    this.config = resolveConfig(options.config, env);
    this.fifos = new FifoMaker(this.config.stateDir);
    this.instanceId = options.instanceId ?? nanoid(12);
    this.env = env;
    this.tmux = new TmuxClient({ socketName: this.config.tmuxSocket, env });
    this.debug = createDebugLog(this.config.stateDir, env);
    this.logCap = new LogCap({ maxLogBytes: this.config.maxLogBytes, onUncapped: (reason) => this.debug(reason) });
    this.restarts = new Restarter({
      instanceId: this.instanceId,
      config: this.config,
      tmux: this.tmux,
      tmuxFor: (started) => this.tmuxFor(started),
      observeOnly: this.observeOnly,
      debug: this.debug,
      job: (id) => this.jobs.get(id),
      view: (job) => job.view(this.instanceId),
      wrapperArgv: (paths) => this.wrapperArgv(paths),
      pipeCommand: (paths) => this.logCap.pipeCommand(paths.dir, paths.log),
      startWindow: (job, extraArgs) => this.startWindowRecovering(job, extraArgs),
      offerEnvironment: (job) => this.offerEnvironment(job, this.baseEnv),
      finalizeIfExited: (job) => this.finalizeIfExited(job),
      server: () => this.serverIdentity(),
      ensureLoaded: (job) => this.ensureLoaded(job),
      waitForExitMarker: (job, timeoutMs) => this.waitForExitMarker(job, timeoutMs),
      finish: (job, outcome) => this.finish(job, outcome),
      emitStatus: (job) => this.emitStatus(job),
    });
  }

  /** Opens the state dir, rebuilds every job found there and starts watching. */
  static async open(options: ManagerOptions = {}): Promise<JobManager> {
    const manager = new JobManager(options);
    for (const [event, listener] of Object.entries(options.listeners ?? {})) {
      if (listener) manager.emitter.on(event as keyof ManagerEvents, listener as never);
    }
    await fs.mkdir(jobsDir(manager.config.stateDir), { recursive: true, mode: 0o700 });
    manager.watcher = await watchJobFiles(
      jobsDir(manager.config.stateDir),
      (event) => manager.onFileEvent(event),
      (error) => manager.debug("watch error", { error: String(error) }),
    );
    await manager.recover();
    manager.debug("opened", { instanceId: manager.instanceId, observeOnly: manager.observeOnly, jobs: manager.jobs.size });
    manager.livenessTimer = setInterval(() => void manager.checkLiveness(), manager.config.livenessIntervalMs);
    manager.livenessTimer.unref();
    if (!manager.observeOnly) manager.fifos.prepare();
    return manager;
  }

  on<E extends keyof ManagerEvents>(event: E, listener: (...args: ManagerEvents[E]) => void): () => void {
    this.emitter.on(event, listener as never);
    return () => this.emitter.off(event, listener as never);
  }

  // ---- create -------------------------------------------------------------------------------

  /**
   * Starts a command in its own tmux window. Invalid input throws InvalidInputError; a failure
   * half-way (tmux missing, the window not starting, a file not written) removes the job's folder
   * and throws JobStartError saying why: no half-made job is left for anyone to list.
   */
  async create(input: CreateJobInput): Promise<JobView> {
    this.assertOpen();
    const valid = await validateCreateInput(input);
    const watchFile = buildWatchFile(input.watch, input.ready);
    const id = newJobId();
    const paths = JobPaths.of(this.config.stateDir, id);
    const meta: JobMeta = {
      version: 1,
      id,
      name: valid.name,
      tags: valid.tags,
      scope: valid.scope,
      ...(valid.sessionId ? { sessionId: valid.sessionId } : {}),
      ...(valid.projectDir ? { projectDir: valid.projectDir } : {}),
      owner: { instanceId: this.instanceId, pid: process.pid },
      command: valid.command,
      cwd: valid.cwd,
      windowName: windowNameFor(valid.name, id),
      createdAt: Date.now(),
      ...(valid.notifyOnExit === undefined ? {} : { notifyOnExit: valid.notifyOnExit }),
      ...(valid.restart ? { restart: valid.restart } : {}),
      ...(Object.keys(valid.env).length > 0 ? { env: valid.env } : {}),
    };
    await fs.mkdir(paths.dir, { mode: 0o700 });
    const abandon = (error: unknown) => this.abandonCreate(id, paths, error);
    // Before meta.json: another instance that finds the job through meta.json finds its watches too.
    if (watchFile) await this.watches.save(id, paths.dir, watchFile).catch(abandon);
    await Promise.all([
      writeFileAtomic(paths.command, valid.command),
      writeFileAtomic(paths.cwd, valid.cwd),
      fs.writeFile(paths.script, wrapperScript(), { mode: 0o700 }),
      fs.writeFile(paths.log, "", { mode: 0o600 }),
      // Nothing handled yet: an instance that takes over before the first delivery starts at 0.
      writeFileAtomic(paths.notifyCursor, "0"),
      valid.scope === "session" ? writeFileAtomic(paths.ownerPid, String(process.pid)) : undefined,
      writeJson(paths.meta, meta),
    ]).catch(abandon);
    const job = this.track(meta, paths);
    this.emitStatus(job);

    try {
      // tmux first: when it is missing or refuses, that is the reason to give, before any FIFO exists.
      if (!this.session) await this.connectSession();
      // In the FIFO before tmux starts the pane; read by the wrapper, never written to disk.
      const delivery = await this.offerEnvironment(job, input.baseEnv ?? this.baseEnv);
      // Taken before tmux starts the pane: a command that ends at once still ends after it started.
      const startedAt = Date.now();
      const window = await this.startWindowRecovering(job).catch(async (error: unknown) => {
        delivery.cancel();
        await delivery.settled;
        throw error;
      });
      job.started = { ...window, ...paneStartTimeOf(window.panePid), ...this.serverIdentity(), startedAt };
      await writeJson(paths.started, job.started);
      this.emitStatus(job);
    } catch (error) {
      await abandon(error);
    }
    return job.view(this.instanceId);
  }

  /**
   * Starts writing a job's environment (`base`, the caller's env from meta.json, the marker) into
   * its FIFO for the wrapper about to start. An earlier delivery for the job ends first (its
   * FIFO has the same name). The delivery gives up when the job ends, its pane dies or 30 s pass.
   */
  private async offerEnvironment(job: Job, base: NodeJS.ProcessEnv): Promise<EnvDelivery> {
    const previous = this.envDeliveries.get(job.id);
    previous?.cancel();
    await previous?.settled;
    const offeredAt = Date.now();
    const payload = encodeEnvPayload(jobEnvironment(base, job.meta.env, job.id, this.config.stateDir));
    const delivery = await offerEnvironment(job.paths.env, payload, {
      timeoutMs: START_TIMEOUT_MS,
      makeFifo: (fifo) => this.fifos.make(fifo),
      // Only a pane started for this delivery counts (a restart replaces an older, dead one).
      readerAlive: () => job.isActive && !(job.started && job.started.startedAt >= offeredAt && !isProcessAlive(job.started.panePid)),
    });
    this.envDeliveries.set(job.id, delivery);
    void delivery.settled.then(() => {
      if (this.envDeliveries.get(job.id) === delivery) this.envDeliveries.delete(job.id);
    });
    return delivery;
  }

  /** Undoes a create that failed half-way: its process (if the window started), the job, its folder. */
  private async abandonCreate(id: string, paths: JobPaths, error: unknown): Promise<never> {
    const job = this.jobs.get(id);
    if (job?.started) {
      await killJobProcesses({ ...jobProcessesOf(job), graceMs: this.config.killGraceMs }).catch(() => undefined);
      await killWindow(this.tmuxFor(job.started), job.started.windowId).catch(() => undefined);
    }
    const reason = `could not start: ${describeError(error)}`;
    // chokidar 5 leaks the fs.watch of a folder it is still setting up when the watcher closes
    // (seen: the CLI hung 3 runs in 6 after a failed create): let it see the folder go first.
    const seen = this.watcherSees("unlinkDir", paths.dir, 1000);
    await fs.rm(paths.dir, { recursive: true, force: true }).catch(() => undefined);
    await seen;
    if (job) {
      // Listeners saw it pending: they see it end (in memory only; nothing is left on disk).
      job.outcome = { status: "failed", endedAt: Date.now(), error: reason };
      job.tailer.close();
      this.jobs.delete(id);
      this.emitStatus(job);
    }
    throw new JobStartError(reason, { cause: error });
  }

  /** Resolves when the file watcher reports `event` for `file`, or after `timeoutMs`. */
  private watcherSees(event: "unlinkDir", file: string, timeoutMs: number): Promise<void> {
    const watcher = this.watcher;
    if (!watcher) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        watcher.off(event, listener);
        resolve();
      };
      const listener = (changed: string) => {
        if (path.resolve(changed) === path.resolve(file)) done();
      };
      const timer = setTimeout(done, timeoutMs);
      watcher.on(event, listener);
    });
  }

  /** Makes sure our session exists and keeps a control-mode client on it for fast commands. */
  private async connectSession(): Promise<void> {
    // Once per manager: a tmux too old for what we rely on fails here with a clear message.
    this.tmuxVersion ??= await this.tmux.checkVersion();
    this.session = await ensureSession(this.tmux, this.config.sessionName);
    await this.tmux.useControlMode(this.config.sessionName);
    // The TERM tmux gives panes, so the wrapper can start from a clean environment in one exec.
    this.paneTerm = (await this.tmux.run(["show-options", "-gv", "default-terminal"]).catch(() => "")).trim() || undefined;
  }

  /** The pane's argv: the wrapper with an empty environment (the tmux server's is stale). */
  private wrapperArgv(paths: JobPaths): string[] {
    const wrapper = ["bash", paths.script, paths.dir];
    // Without a known TERM the wrapper cleans the environment itself (one more exec).
    return this.paneTerm ? ["/usr/bin/env", "-i", "OPENCODE_BG_CLEAN=1", `TERM=${this.paneTerm}`, ...wrapper] : wrapper;
  }
  private paneTerm: string | undefined;
  private tmuxVersion: string | undefined;

  /** The server this manager starts windows on, as started.json records it (after connectSession). */
  private serverIdentity(): Pick<JobStarted, "serverPid" | "socketPath" | "serverStartTime" | "session"> {
    const serverPid = this.session?.serverPid ?? 0;
    const serverStartTime = processStartTime(serverPid);
    return {
      serverPid,
      ...(this.session?.socketPath ? { socketPath: this.session.socketPath } : {}),
      ...(serverStartTime === undefined ? {} : { serverStartTime }),
      session: this.config.sessionName,
    };
  }

  /** This manager's own socket path: as tmux reported it, or where tmux puts it. */
  private get ownSocketPath(): string {
    return this.session?.socketPath || socketPathFor(this.config.tmuxSocket, this.env);
  }

  /** The tmux server a job runs on: its own (started.json), or ours for jobs that do not say. */
  private tmuxFor(started: JobStarted | undefined): TmuxClient {
    const socketPath = started?.socketPath;
    if (!socketPath || socketPath === this.ownSocketPath) return this.tmux;
    let client = this.otherServers.get(socketPath);
    if (!client) {
      client = new TmuxClient({ socketPath, env: this.env });
      this.otherServers.set(socketPath, client);
    }
    return client;
  }

  /** Starts the window; if the tmux server or session vanished since we last looked, makes it again once. */
  private async startWindowRecovering(job: Job, extraArgs: readonly string[] = []) {
    const pipeCommand = await this.logCap.pipeCommand(job.paths.dir, job.paths.log);
    const spec = () => ({
      session: this.config.sessionName,
      windowName: job.meta.windowName,
      jobId: job.id,
      startDirectory: job.paths.dir,
      argv: [...this.wrapperArgv(job.paths), ...extraArgs],
      logPath: job.paths.log,
      pipeCommand,
    });
    if (!this.session) await this.connectSession();
    try {
      return await startWindow(this.tmux, spec());
    } catch (error) {
      if (!(error instanceof TmuxServerGoneError || error instanceof TmuxTargetGoneError)) throw error;
      await this.connectSession();
      return await startWindow(this.tmux, spec());
    }
  }

  // ---- read ---------------------------------------------------------------------------------

  /** One job's current view; unknown ids throw UnknownJobError. */
  get(id: string): JobView {
    return this.require(id).view(this.instanceId);
  }

  has(id: string): boolean {
    return this.jobs.has(id);
  }

  /** Jobs matching the filter, oldest first. */
  list(filter: JobFilter = {}): JobView[] {
    return [...this.jobs.values()]
      .map((job) => job.view(this.instanceId))
      .filter((view) => matchesFilter(view, filter))
      .sort((a, b) => a.createdAt - b.createdAt);
  }

  /** Loads the log tails of jobs found at start that nobody has read yet (for list's last line). */
  async loadOutputs(ids: readonly string[]): Promise<void> {
    await Promise.all(ids.map((id) => this.ensureLoaded(this.require(id))));
  }

  /** Output lines: the last `lines`, or from line `since` on (older ones from the log file), optionally grepped. */
  async output(id: string, options: OutputQuery = {}): Promise<OutputRead> {
    const job = this.require(id);
    await this.ensureLoaded(job);
    await job.tailer.read();
    return readOutput({ ring: job.tailer.ring, pending: job.tailer.pendingLine(), logPath: job.paths.log }, options);
  }

  /** The current run's first output line: 1, or where the last restart's run began. */
  runFirstLine(id: string): number {
    return this.require(id).restartState?.firstLine ?? 1;
  }

  /** The argv a person runs to look at (and type into) a job's window. */
  attachCommand(id: string): string[] {
    const job = this.require(id);
    const started = job.started;
    // A window id only means something to the tmux server that made it.
    const window = started && serverRuns(started) ? `:${started.windowId}` : "";
    const target = `${sessionTarget(started?.session ?? this.config.sessionName)}${window}`;
    // The job's own server: by its socket path, unless that is ours (-L name) or the default one.
    const client = this.tmuxFor(started);
    const socketArgs = client === this.tmux ? this.tmux.socketArgs : client.socketPath === socketPathFor(undefined, this.env) ? [] : client.socketArgs;
    return ["tmux", ...socketArgs, "attach-session", "-t", target];
  }

  /** The tmux server a job runs on (for the CLI's attach checks). */
  tmuxOf(id: string): TmuxClient {
    return this.tmuxFor(this.require(id).started);
  }

  /** Resolves when the job reaches one of `statuses` (default: any final one). */
  waitForStatus(id: string, statuses: readonly JobStatus[] = ["completed", "failed", "cancelled"], timeoutMs = 30_000): Promise<JobView> {
    const job = this.require(id);
    if (statuses.includes(job.status)) return Promise.resolve(job.view(this.instanceId));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        stop();
        reject(new BackgroundError(`job ${id} did not reach ${statuses.join("/")} within ${timeoutMs} ms (it is ${job.status})`));
      }, timeoutMs);
      const stop = this.on("status", (view) => {
        if (view.id !== id || !statuses.includes(view.status)) return;
        clearTimeout(timer);
        stop();
        resolve(view);
      });
    });
  }

  // ---- input --------------------------------------------------------------------------------

  /** Types text and/or named keys into a running job's window. */
  async send(id: string, input: { text?: string; keys?: readonly string[]; enter?: boolean }): Promise<void> {
    const job = this.require(id);
    validateSendInput(input);
    if (job.status !== "running" || !job.started) throw new InvalidInputError(`job ${id} is ${job.status}; only a running job takes input.`);
    try {
      await sendToPane(this.tmuxFor(job.started), job.started.paneId, input);
    } catch (error) {
      if (error instanceof TmuxTargetGoneError || error instanceof TmuxServerGoneError) {
        throw new InvalidInputError(`job ${id}'s tmux window is gone; it cannot take input.`);
      }
      throw error;
    }
  }

  // ---- notifications ------------------------------------------------------------------------

  /**
   * Whether this instance delivers a job's notifications: yes for its own jobs; for a job whose
   * owner died, the one live successor (notify-claim.ts). Taking over re-raises, as notify
   * events, every marker after the job's notify cursor, so what the dead holder had not handled
   * yet is neither lost nor (what it had) sent again.
   */
  async claimNotifications(id: string): Promise<boolean> {
    const job = this.require(id);
    if (job.meta.owner.instanceId === this.instanceId) return true;
    await this.takeOverNotifications(job);
    // Re-raised markers go before whatever the caller sends next (e.g. the exit notice).
    await job.notifyEmits;
    return job.notifyHolding;
  }

  /**
   * A job's markers up to `position` are handled (delivered, or failed for good): the cursor
   * moves there at once, so a successor neither repeats them nor misses later ones. Written
   * synchronously, right after the prompt was accepted: an async write left that window open
   * for tens of ms under load (25 of 250 markers sent twice in 10 trials); the sync one still
   * left 2-4 of 1,250 in 50 trials, which notifyDeliveredUpTo (the session's own record) closes.
   */
  notificationsHandled(id: string, position: number): void {
    const job = this.jobs.get(id);
    if (!job || position <= job.notifyHandled) return;
    if (job.meta.owner.instanceId !== this.instanceId && !job.notifyHolding) return;
    job.notifyHandled = position;
    try {
      writeFileAtomicSync(job.paths.notifyCursor, String(position));
    } catch (error) {
      this.debug("notify cursor write failed", { jobId: id, error: String(error) });
    }
  }

  /** Claims a job's notifications if its current holder is dead; raises what it left unhandled. */
  private takeOverNotifications(job: Job): Promise<void> {
    if (job.notifyHolding || job.meta.owner.instanceId === this.instanceId) return Promise.resolve();
    // Only an instance that delivers (has a notify listener, e.g. not the CLI) takes part.
    if (!job.meta.sessionId || this.emitter.listenerCount("notify") === 0) return Promise.resolve();
    // One syscall per marker while the holder lives; the files are read only when it died.
    if (isProcessAlive((job.notifyHolder ?? job.meta.owner).pid)) return Promise.resolve();
    job.notifyClaiming ??= (async () => {
      const result = await resolveNotifyHolder(job.paths.dir, job.meta.owner, { instanceId: this.instanceId, pid: process.pid }, isProcessAlive);
      this.debug("notify claim", { jobId: job.id, holder: result.holder.instanceId, won: result.mine });
      if (!result.mine) {
        job.notifyHolder = result.holder;
        return;
      }
      // Same tick as the win: markers seen so far are re-read from the log, later ones come live.
      job.notifyHolding = true;
      const upTo = job.notifySeen;
      this.chainNotify(job, async () => {
        const cursor = Number.parseInt(await fs.readFile(job.paths.notifyCursor, "utf8").catch(() => ""), 10);
        const inSession = await this.notifyDeliveredUpTo?.(job.view(this.instanceId)).catch(() => undefined);
        const from = Math.max(Number.isNaN(cursor) ? 0 : cursor, inSession ?? 0);
        if (inSession !== undefined && inSession === from) this.notificationsHandled(job.id, from);
        job.notifyHandled = Math.max(job.notifyHandled, from);
        const markers = await scanNotifyMarkers(job.paths.log, from, upTo, (line, context) => this.watches.detect(job.id, line, context, undefined, true)).catch(() => []);
        this.debug("notify take-over", { jobId: job.id, cursor, inSession, upTo, markers: markers.length });
        for (const marker of markers) this.emitter.emit("notify", job.view(this.instanceId), marker.message, marker.end, marker.event);
      });
    })()
      .catch((error: unknown) => this.debug("notify claim failed", { jobId: job.id, error: String(error) }))
      .finally(() => {
        job.notifyClaiming = undefined;
      });
    return job.notifyClaiming;
  }

  /** Runs a step of a job's ordered notify events; a failed step is logged and the chain goes on. */
  private chainNotify(job: Job, step: () => void | Promise<void>): void {
    job.notifyEmits = job.notifyEmits.then(step).catch((error: unknown) => this.debug("notify event failed", { jobId: job.id, error: String(error) }));
  }

  /** Records a delivery attempt with the job (notifications.jsonl), so failures are visible in get. */
  async recordNotification(id: string, entry: { sessionId: string; messages: number; delivered: boolean; error?: string | undefined }): Promise<void> {
    const job = this.jobs.get(id);
    if (!job) return;
    this.debug("notification delivery", { jobId: id, ...entry });
    if (entry.delivered) job.notificationsDelivered++;
    else job.lastNotificationError = entry.error ?? "unknown error";
    const line = `${JSON.stringify({ at: Date.now(), ...entry })}\n`;
    await fs.appendFile(job.paths.notifications, line, { mode: 0o600 }).catch(() => undefined);
  }

  /** watchProcess: adds and removes a job's watches (watch.json); returns the new list. */
  async changeWatches(id: string, change: { add?: unknown; remove?: unknown }): Promise<string[]> {
    return this.watches.change(id, this.require(id).paths.dir, change);
  }

  /** A job's readiness port accepted a connection: recorded, so no instance reports it again. */
  async portReady(id: string): Promise<void> {
    await this.watches.markPortReady(id, this.require(id).paths.dir);
  }

  // ---- restart ------------------------------------------------------------------------------

  /**
   * Runs a job again, running or finished: its old process tree ends, the same command starts in
   * the same window (a new one if it was closed) and the log continues. See restart.ts.
   */
  async restart(id: string, options: { reason?: string } = {}): Promise<RestartReport> {
    this.assertOpen();
    const job = this.require(id);
    if (job.detached) throw new InvalidInputError(`job ${id}'s folder was deleted: it can be killed, not restarted.`);
    return this.restarts.restart(job, options);
  }

  // ---- kill ---------------------------------------------------------------------------------

  /** Ends every job matching the filter: its whole process tree, then its window. */
  async kill(filter: JobFilter, options: { reason?: string } = {}): Promise<KillReport[]> {
    this.assertOpen();
    if (isEmptyFilter(filter)) {
      throw new InvalidInputError("Refusing to kill every process: give a processId, a sessionId, a status or tags.");
    }
    for (const id of filter.ids ?? []) this.require(id);
    const targets = this.list(filter).map((view) => this.require(view.id));
    // A few at a time: each kill scans /proc and may wait out a grace period.
    const limit = pLimit(4);
    return Promise.all(targets.map((job) => limit(() => this.killJob(job, options.reason))));
  }

  private async killJob(job: Job, reason: string | undefined): Promise<KillReport> {
    await this.restarts.beforeKill(job);
    // It may have ended by itself a moment ago (its exit.json is there, the watcher has not said
    // so yet): record that first, or the cancel request below would call its own end "cancelled".
    await this.finalizeIfExited(job);
    const previousStatus = job.status;
    const wasActive = job.isActive;
    const recordErrors: string[] = [];
    let cancelRecorded: Promise<void> | undefined;
    if (wasActive) {
      // The decision is kept in memory too, so the job still ends "cancelled" when cancel.json
      // cannot be written (full disk, read-only state dir): a failed record never stops the signals.
      const cancel = { requestedAt: Date.now(), ...(reason ? { reason } : {}) };
      job.cancelRequest = { run: job.restartState?.run ?? 0, cancel };
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
    const result = await killJobProcesses({ ...jobProcessesOf(job), graceMs: this.config.killGraceMs });
    await cancelRecorded;
    if (wasActive) await this.finalize(job, job.detached ? 0 : EXIT_FILE_WAIT_MS);
    if (job.recordError) recordErrors.push(job.recordError);
    // What is left of the job now is exactly what survived this kill.
    const survivorPids = new Set(result.survivors.map((p) => p.pid));
    job.leftovers = job.leftovers.filter((p) => survivorPids.has(p.pid));
    // Window ids restart with the tmux server: only a live server that hosted it still has it.
    if (job.started && serverRuns(job.started)) await killWindow(this.tmuxFor(job.started), job.started.windowId).catch(() => undefined);
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

  /**
   * Ends this instance's session jobs (OpenCode is exiting) and closes the windows of those that
   * already finished; global jobs are left running. Logs stay on disk.
   */
  async killOwnSessionJobs(reason = "OpenCode exited"): Promise<KillReport[]> {
    const targets = this.list({ ownerInstanceId: this.instanceId, scope: "session" });
    if (targets.length === 0) return [];
    return this.kill({ ids: targets.map((job) => job.id) }, { reason });
  }

  /**
   * Waits for end-of-job bookkeeping already under way (e.g. started by recovery when the manager
   * opened), so a short-lived caller such as the CLI neither shows a stale status nor exits halfway.
   */
  async settle(): Promise<void> {
    await Promise.all([...this.jobs.values()].map((job) => job.finalizing?.catch(() => undefined)));
  }

  /**
   * Brings every job up to what is on disk now, for a caller about to read (each tool call): an
   * outcome.json another instance wrote is adopted, an exit.json already written is finalised,
   * and finalisations under way are awaited. File events do the same, but they can lag behind.
   */
  async refresh(): Promise<void> {
    await Promise.all([...this.jobs.values()].map(async (job) => {
      if (job.isActive && !job.finalizing && !job.restarting) {
        if (!job.started) await this.loadStarted(job);
        const outcome = this.restarts.current(job, await readJson(job.paths.outcome, JobOutcomeSchema).catch(() => undefined));
        if (outcome) this.adoptOutcome(job, outcome);
        else if (job.started && (await this.hasCurrentExit(job))) await this.finalize(job).catch(() => undefined);
        else if (job.started) await this.checkLogWriter(job);
      }
      await job.finalizing?.catch(() => undefined);
    }));
  }

  /**
   * Garbage collection: deletes the folders of finished jobs (completed/failed/cancelled) that
   * ended at least `olderThanMs` ago, and closes their leftover dead windows. Never touches an
   * active job. With dryRun, only reports what it would remove.
   */
  async removeFinished(options: { olderThanMs: number; dryRun?: boolean }): Promise<RemovedJobs> {
    this.assertOpen();
    await this.settle();
    const cutoff = Date.now() - Math.max(0, options.olderThanMs);
    const targets = [...this.jobs.values()]
      .filter((job) => !job.isActive && !job.finalizing && !job.restarting && (job.outcome?.endedAt ?? Number.POSITIVE_INFINITY) <= cutoff)
      .sort((a, b) => a.meta.createdAt - b.meta.createdAt);
    const removed: JobView[] = [];
    let bytes = 0;
    for (const job of targets) {
      const view = job.view(this.instanceId);
      bytes += await treeBytes(job.paths.dir);
      removed.push(view);
      if (options.dryRun) continue;
      // Window ids are per tmux server: only close the window if it still carries this job's id.
      if (job.started && serverRuns(job.started)) {
        const tmux = this.tmuxFor(job.started);
        const pane = await readPane(tmux, job.started.paneId).catch(() => undefined);
        if (pane?.jobId === job.id) await killWindow(tmux, pane.windowId).catch(() => undefined);
      }
      job.tailer.close();
      this.jobs.delete(job.id);
      await fs.rm(job.paths.dir, { recursive: true, force: true });
    }
    return { removed, bytes };
  }

  /** Stops watching and timers. Jobs keep running; another instance can pick them up. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.livenessTimer) clearInterval(this.livenessTimer);
    // A short-lived caller (the CLI's run) must not take the environment with it: the pipe dies
    // with our end until the wrapper holds it. Usually a few ms; bounded by the delivery's limits.
    await Promise.all([...this.envDeliveries.values()].map((delivery) => delivery.settled));
    await this.fifos.close();
    // No notify cursor to save here: it moves when a marker is handled (notificationsHandled).
    for (const job of this.jobs.values()) job.tailer.close();
    this.restarts.close();
    this.tmux.close();
    for (const client of this.otherServers.values()) client.close();
    await this.watcher?.close();
  }

  // ---- internals: tracking, finishing -------------------------------------------------------

  private require(id: string): Job {
    const job = this.jobs.get(id);
    if (!job) throw new UnknownJobError(id);
    return job;
  }

  private assertOpen(): void {
    if (this.closed) throw new BackgroundError("the background process manager is closed");
  }

  private track(meta: JobMeta, paths: JobPaths): Job {
    const tailer: LogTailer = new LogTailer({
      logPath: paths.log,
      maxLines: this.config.ringLines,
      maxChars: this.config.ringChars,
      events: {
        onLine: (line, lineNo) => this.emitter.emit("line", meta.id, line, lineNo),
        onNotify: (message, end, event) => {
          const job = this.jobs.get(meta.id);
          if (!job?.isActive) return;
          job.notifySeen = Math.max(job.notifySeen, end);
          if (job.meta.owner.instanceId !== this.instanceId && !job.notifyHolding) {
            // Not ours (yet): if the holder died, take over; this marker is re-read from the log then.
            void this.takeOverNotifications(job);
            return;
          }
          this.debug("notify", { jobId: meta.id, message: message.slice(0, 80) });
          const emit = () => this.emitter.emit("notify", job.view(this.instanceId), message, end, event);
          // Behind a take-over's re-raised markers, if one is still being read; and not one the
          // dead holder already delivered (this tailer may lag behind where it got to).
          if (job.notifyHolding) {
            this.chainNotify(job, () => {
              if (end > job.notifyHandled) emit();
            });
          } else emit();
        },
      },
      detect: (line, context) => this.watches.detect(meta.id, line, context, paths.dir),
    });
    const job = new Job(meta, paths, tailer);
    this.jobs.set(meta.id, job);
    return job;
  }

  private ensureLoaded(job: Job): Promise<void> {
    job.loaded ??= (async () => {
      // Watches first: the cursor must be read right before the resume (a wait between them let a
      // take-over's live events be raised again by the resume: 2 of 200 watched lines twice).
      await this.watches.load(job.id, job.paths.dir, { ifUnknown: true });
      const cursor = Number.parseInt(await fs.readFile(job.paths.notifyCursor, "utf8").catch(() => ""), 10);
      await job.tailer.resume(job.isActive ? RESUME_TAIL_BYTES : FINISHED_TAIL_BYTES, Number.isNaN(cursor) ? undefined : cursor);
    })();
    return job.loaded;
  }

  /**
   * Turns "the command ended" (exit.json, or evidence from tmux when there is none) into a final
   * status, once, after the last output has reached the log.
   */
  private finalize(job: Job, waitForExitMs = 0): Promise<void> {
    if (!job.isActive || this.restarts.blocksFinalize(job)) return Promise.resolve();
    job.finalizing ??= (async () => {
      // Files an older run left (a restart raced with them) say nothing about this run.
      let exit = this.restarts.current(job, await readJson(job.paths.exit, JobExitSchema).catch(() => undefined));
      for (const deadline = Date.now() + waitForExitMs; !exit && Date.now() < deadline; ) {
        await sleep(25);
        exit = this.restarts.current(job, await readJson(job.paths.exit, JobExitSchema).catch(() => undefined));
      }
      // The verdict waits for the last output so a reader right after it sees everything.
      if (exit && !this.observeOnly) await this.waitForExitMarker(job, exit.interrupted ? 300 : EXIT_MARKER_WAIT_MS);
      const existing = this.restarts.current(job, await readJson(job.paths.outcome, JobOutcomeSchema).catch(() => undefined));
      if (existing) return this.adoptOutcome(job, existing);
      const asked = job.cancelRequest?.run === (job.restartState?.run ?? 0) ? job.cancelRequest.cancel : undefined;
      const cancel = asked ?? (await readJson(job.paths.cancel, JobCancelSchema).catch(() => undefined));
      // The job's own server, by pid and start time: a failed command on some other socket proves nothing.
      const serverGone = job.started ? !serverRuns(job.started) : false;
      let pane: PaneRow | undefined;
      if (!exit && job.started && !serverGone) {
        pane = await this.readDeadPane(job.started);
        if (pane && !pane.dead && isProcessAlive(job.started.panePid)) return; // still running: nothing to decide
        // A job from before socket paths were recorded, on a server that is not ours: we cannot see its window.
        if (!pane && !(await this.reachesServerOf(job.started))) return;
      }
      const outcome = decideOutcome({ exit, cancel, pane, windowGone: !pane && !serverGone, serverGone, now: Date.now() });
      if (this.restarts.blocksFinalize(job)) return;
      await this.finish(job, outcome);
      // Its window or tmux server went away: processes that ignore SIGHUP may live on without one.
      const lostWindow = serverGone || (!pane && !exit) || exit?.interrupted === "HUP";
      if (lostWindow && !outcome.requested) void this.findLeftovers(job).catch(() => undefined);
    })().finally(() => {
      job.finalizing = undefined;
    });
    return job.finalizing;
  }

  /** Finalises now if the current run's exit.json is there (no need to wait for the watcher). */
  private async finalizeIfExited(job: Job): Promise<void> {
    if (!job.isActive) return;
    const exit = this.restarts.current(job, await readJson(job.paths.exit, JobExitSchema).catch(() => undefined));
    if (exit) await this.finalize(job);
  }

  /** tmux 3.3a can miss SIGCHLD and leave pane_dead_status empty: poke the job's server once and re-read. */
  private async readDeadPane(started: JobStarted): Promise<PaneRow | undefined> {
    const tmux = this.tmuxFor(started);
    let pane = await readPane(tmux, started.paneId);
    if (pane?.dead && pane.deadStatus === undefined && pane.deadSignal === undefined && serverRuns(started)) {
      try {
        process.kill(started.serverPid, "SIGCHLD");
      } catch {
        // The server is gone; the read below says so.
      }
      await sleep(50);
      pane = await readPane(tmux, started.paneId);
    }
    return pane;
  }

  /** Whether the client tmuxFor gives reaches the job's server (only jobs without a socket path can miss). */
  private async reachesServerOf(started: JobStarted): Promise<boolean> {
    if (started.socketPath) return true;
    const pid = Number.parseInt(await this.tmux.run(["display-message", "-p", "#{pid}"]).catch(() => ""), 10);
    return pid === started.serverPid;
  }

  /**
   * Waits for the job's end marker in the log: `timeoutMs`, and beyond it while the log still
   * grows (at most OUTPUT_END_WAIT_MS). A flood through the capped writer was measured 24k lines
   * behind when exit.json appeared; a final status given then hid the end of the output.
   */
  private async waitForExitMarker(job: Job, timeoutMs: number): Promise<void> {
    const start = Date.now();
    let quietSince = start;
    let seen = job.tailer.bytesRead;
    await job.tailer.read();
    while (!job.tailer.exitMarkerSeen) {
      const now = Date.now();
      if (job.tailer.bytesRead !== seen) {
        seen = job.tailer.bytesRead;
        quietSince = now;
      }
      if (now - start >= OUTPUT_END_WAIT_MS || (now - start >= timeoutMs && now - quietSince >= timeoutMs)) return;
      await sleep(20);
      await job.tailer.read();
    }
  }

  private async finish(job: Job, decided: JobOutcome): Promise<void> {
    if (!job.isActive) return;
    this.envDeliveries.get(job.id)?.cancel();
    const outcome = this.restarts.stamp(job, decided);
    // Kept in memory whatever happens on disk; a kill reports the failed record.
    if (!job.detached) {
      await writeJson(job.paths.outcome, outcome).catch((error) => {
        job.recordError = `outcome.json: ${describeError(error)}`;
      });
    }
    job.outcome = outcome;
    this.emitStatus(job);
    this.restarts.onOutcome(job);
    // The output is complete: stop the window's `cat` (it would otherwise live as long as the window).
    if (job.started && !this.observeOnly && serverRuns(job.started)) {
      // A job ended on request loses its window next anyway; otherwise wait for the writer if it is behind.
      if (job.tailer.exitMarkerSeen || outcome.requested) await closePipe(this.tmuxFor(job.started), job.started.paneId).catch(() => undefined);
      else void this.closePipeWhenDrained(job);
    }
  }

  /**
   * The log writer is behind (a busy machine, a log rotation): tmux drops what it still holds for
   * a pipe it closes, so the pipe closes once the end marker reached the log (or after 30 s).
   */
  private async closePipeWhenDrained(job: Job): Promise<void> {
    const run = job.restartState?.run ?? 0;
    for (const deadline = Date.now() + 30_000; !job.tailer.exitMarkerSeen && !this.closed && Date.now() < deadline; ) {
      await sleep(200);
      await job.tailer.read().catch(() => undefined);
    }
    // Restarted meanwhile: the pipe now serves the new run.
    if (this.closed || job.isActive || job.restarting || (job.restartState?.run ?? 0) !== run || !job.started) return;
    await closePipe(this.tmuxFor(job.started), job.started.paneId).catch(() => undefined);
  }

  private adoptOutcome(job: Job, outcome: JobOutcome): void {
    if (!job.isActive || !this.restarts.current(job, outcome)) return;
    job.outcome = outcome;
    this.emitStatus(job);
    this.restarts.onOutcome(job);
  }

  private emitStatus(job: Job): void {
    this.emitter.emit("status", job.view(this.instanceId));
  }

  // ---- internals: file events, liveness, recovery --------------------------------------------

  private onFileEvent(event: JobFileEvent): void {
    if (this.closed) return;
    const job = this.jobs.get(event.jobId);
    switch (event.kind) {
      case "output":
        if (job && !this.observeOnly) void job.tailer.read().catch(() => undefined);
        // Written again after a failure (room was made): the status stops saying it is lost.
        if (job?.logProblem) void this.checkLogWriter(job).catch(() => undefined);
        return;
      case "exit":
        if (job) void this.finalize(job).catch(() => undefined);
        return;
      case "meta":
        if (!job) void this.discover(event.jobId).catch(() => undefined);
        return;
      case "started":
        if (job && !job.started) void this.loadStarted(job);
        return;
      case "outcome":
        if (job?.isActive && !job.finalizing) {
          void readJson(job.paths.outcome, JobOutcomeSchema).then((outcome) => outcome && this.adoptOutcome(job, outcome)).catch(() => undefined);
        }
        return;
      case "log-deleted":
        if (job?.isActive && job.started) {
          const paneId = job.started.paneId;
          const tmux = this.tmuxFor(job.started);
          // Only when it is really gone: a log rotation replaces the file, it never leaves it missing.
          void fs.access(job.paths.log).then(
            () => job.tailer.read(),
            () => this.logCap.pipeCommand(job.paths.dir, job.paths.log).then((command) => repipePane(tmux, paneId, job.paths.log, command)),
          ).catch(() => undefined);
        }
        return;
      case "restart":
        if (job) void this.restarts.onStateFile(job).catch(() => undefined);
        return;
      case "watch":
        if (job) void this.watches.load(job.id, job.paths.dir);
        return;
      case "log-failed":
        if (job?.isActive) void this.checkLogWriter(job).catch(() => undefined);
        return;
      case "removed":
        if (!job) return;
        if (job.isActive && job.started) {
          // Its processes still run: keep the handle (list shows it, kill ends it). Issue 8 item 6.
          job.detached = "folder-deleted";
          this.debug("job folder deleted while running", { jobId: job.id });
          this.emitStatus(job);
          return;
        }
        job.tailer.close();
        this.jobs.delete(event.jobId);
        // Removed before it started (a create that failed half-way): listeners must not keep it pending.
        if (job.isActive && !job.started) {
          job.outcome = { status: "failed", endedAt: Date.now(), error: "could not start: its job folder was removed" };
          this.emitStatus(job);
        }
        return;
    }
  }

  private async loadStarted(job: Job): Promise<void> {
    const started = await readJson(job.paths.started, JobStartedSchema).catch(() => undefined);
    if (started && !job.started) {
      job.started = started;
      this.emitStatus(job);
    }
  }

  /** A job folder made by another instance after we started: track it like our own. */
  private async discover(jobId: string): Promise<void> {
    if (this.jobs.has(jobId)) return;
    const paths = JobPaths.of(this.config.stateDir, jobId);
    const meta = await readJson(paths.meta, JobMetaSchema);
    if (!meta || this.jobs.has(jobId)) return;
    const job = this.track(meta, paths);
    job.started = await readJson(paths.started, JobStartedSchema).catch(() => undefined);
    job.outcome = await readJson(paths.outcome, JobOutcomeSchema).catch(() => undefined);
    await this.restarts.loadState(job);
    if (job.isActive && !this.observeOnly) await this.ensureLoaded(job);
    this.emitStatus(job);
  }

  /** Whether the job's output still reaches its log (a full disk stops it); emits a status when that changes. */
  private async checkLogWriter(job: Job): Promise<void> {
    const problem = await logProblem(job.paths.dir, job.paths.log);
    if (problem === job.logProblem) return;
    job.logProblem = problem;
    this.debug("log writer", { jobId: job.id, problem });
    this.emitStatus(job);
  }

  /** Whether exit.json of the job's current run is on disk (one small read; absent is the usual case). */
  private async hasCurrentExit(job: Job): Promise<boolean> {
    return this.restarts.current(job, await readJson(job.paths.exit, JobExitSchema).catch(() => undefined)) !== undefined;
  }

  /** Cheap fallback for ends that leave no exit.json (wrapper SIGKILLed, tmux server killed). */
  private async checkLiveness(): Promise<void> {
    for (const job of this.jobs.values()) {
      // A holder that died after the job's last marker leaves those unsent: take over now.
      if (job.notifySeen > job.notifyHandled) void this.takeOverNotifications(job);
      if (!job.isActive || job.finalizing) continue;
      if (job.detached === "stray") {
        // One stat read per process: a stray ends when the last of its processes does.
        if (!job.leftovers.some(isSameProcessAlive)) {
          void this.finish(job, { status: "failed", endedAt: Date.now(), error: "its processes ended; its folder had been deleted, so no exit status was kept" }).catch(() => undefined);
        }
      } else if (job.started) {
        if (!isProcessAlive(job.started.panePid) || !serverRuns(job.started)) void this.finalize(job, 500).catch(() => undefined);
      } else if (Date.now() - job.meta.createdAt > START_TIMEOUT_MS && !isProcessAlive(job.meta.owner.pid)) {
        void this.finish(job, { status: "failed", endedAt: Date.now(), error: "it never started: the OpenCode creating it exited first" }).catch(() => undefined);
      }
    }
  }

  /**
   * One /proc scan when the manager opens (issue 8 item 6): marker processes of this state dir
   * whose job folder is gone become stray jobs (listed, killable); those of a job that already
   * ended are shown as still running.
   */
  private async adoptMarkedProcesses(): Promise<void> {
    const found = await scanMarkedProcesses(this.config.stateDir, new Set(this.jobs.keys()));
    for (const [id, processes] of found) {
      const job = this.jobs.get(id);
      if (job) {
        if (!job.isActive) job.leftovers = processes.map(({ pid, startTime }) => ({ pid, startTime }));
        continue;
      }
      const paths = JobPaths.of(this.config.stateDir, id);
      // A folder that exists but could not be read is not ours to second-guess.
      if (!JOB_ID_PATTERN.test(id) || (await fs.access(paths.dir).then(() => true, () => false))) continue;
      this.adoptStray(id, paths, processes);
    }
  }

  private adoptStray(id: string, paths: JobPaths, processes: MarkedProcess[]): void {
    const first = processes[0] as MarkedProcess;
    const meta: JobMeta = {
      version: 1,
      id,
      name: `stray: ${first.command}`.slice(0, 200),
      tags: [],
      scope: "global",
      owner: { instanceId: "", pid: 0 },
      command: first.command,
      cwd: "/",
      windowName: windowNameFor("stray", id),
      createdAt: Math.round(first.startedAt),
    };
    const job = this.track(meta, paths);
    job.detached = "stray";
    job.loaded = Promise.resolve(); // no log to load: the folder is gone
    job.leftovers = processes.map(({ pid, startTime }) => ({ pid, startTime }));
    this.debug("stray job adopted", { jobId: id, processes: processes.map((p) => p.pid) });
    this.emitStatus(job);
  }

  /** After a job lost its window: its marker processes still alive a moment later (SIGHUP had its chance). */
  private async findLeftovers(job: Job): Promise<void> {
    await sleep(LEFTOVER_SCAN_DELAY_MS);
    if (this.closed || job.isActive) return;
    const members = await collectJobMembers({ marker: { name: JOB_MARKER_VARIABLE, value: job.id } });
    job.leftovers = members;
    if (members.length > 0) {
      this.debug("processes outlived their job's window", { jobId: job.id, pids: members.map((p) => p.pid) });
      this.emitStatus(job);
    }
  }

  /** Rebuilds every job from its folder and from tmux; runs once when the manager opens. */
  private async recover(): Promise<void> {
    const root = jobsDir(this.config.stateDir);
    const ids = (await fs.readdir(root, { withFileTypes: true })).filter((entry) => entry.isDirectory()).map((entry) => entry.name);
    // Each job's panes are listed on the job's own server and session, once per server.
    const listings = new Map<string, Promise<Map<string, PaneRow>>>();
    const paneOf = async (id: string, started: JobStarted): Promise<PaneRow | undefined> => {
      if (!serverRuns(started) && started.socketPath) return undefined;
      const tmux = this.tmuxFor(started);
      const session = started.session ?? this.config.sessionName;
      const key = `${tmux.socketPath ?? ""}\0${session}`;
      let listing = listings.get(key);
      if (!listing) {
        listing = listPanes(tmux, session).then(
          (panes) => new Map(panes.filter((pane) => pane.jobId).map((pane) => [pane.jobId as string, pane])),
          (error: unknown) => {
            if (!(error instanceof TmuxError)) throw error;
            // tmux missing: jobs are still listed from disk; starting new ones will say what is wrong.
            return new Map<string, PaneRow>();
          },
        );
        listings.set(key, listing);
      }
      return (await listing).get(id);
    };
    const orphans: Job[] = [];
    // Ends already on disk are decided before open() resolves: a caller's first read must not
    // see "running" for a job whose exit.json is there (it did, 7/20 first reads, before).
    const ending: Promise<void>[] = [];
    for (const id of ids) {
      const paths = JobPaths.of(this.config.stateDir, id);
      const meta = await readJson(paths.meta, JobMetaSchema).catch(() => undefined);
      if (!meta) continue;
      await removeLegacyEnvFile(paths);
      const job = this.track(meta, paths);
      job.outcome = await readJson(paths.outcome, JobOutcomeSchema).catch(() => undefined);
      job.started = await readJson(paths.started, JobStartedSchema).catch(() => undefined);
      await this.restarts.loadState(job);
      if (!job.isActive) continue;
      const pane = job.started ? await paneOf(id, job.started) : undefined;
      const ownerAlive = isProcessAlive(meta.owner.pid);
      if (job.started && pane && !pane.dead) {
        if (!this.observeOnly) await this.ensureLoaded(job);
        await this.checkLogWriter(job);
        // The wrapper wrote exit.json and is in its last moment (or a guard still holds the pane).
        if (await this.hasCurrentExit(job)) ending.push(this.finalize(job).catch(() => undefined));
        else if (meta.scope === "session" && !ownerAlive) orphans.push(job);
      } else if (job.started) {
        await this.ensureLoaded(job);
        ending.push(this.finalize(job).catch(() => undefined));
      } else if (!ownerAlive || Date.now() - meta.createdAt > START_TIMEOUT_MS) {
        await this.finish(job, { status: "failed", endedAt: Date.now(), error: "it never started: the OpenCode creating it exited first" });
      }
    }
    await Promise.all(ending);
    await this.adoptMarkedProcesses().catch((error) => this.debug("marker scan failed", { error: String(error) }));
    // Session jobs whose OpenCode died (e.g. SIGKILL) end now, in case their guard could not.
    if (orphans.length > 0 && !this.observeOnly) await this.kill({ ids: orphans.map((job) => job.id) }, { reason: OWNER_GONE_REASON });
    // Failed jobs with restart: "on-failure" keep their schedule across OpenCode restarts.
    for (const job of this.jobs.values()) this.restarts.onOutcome(job);
  }
}

/**
 * Versions before the FIFO left the whole environment (API keys included) in a plain `env` file
 * for as long as the folder lived: remove it. A FIFO there is another instance's job starting.
 */
async function removeLegacyEnvFile(paths: JobPaths): Promise<void> {
  const stat = await fs.lstat(paths.env).catch(() => undefined);
  if (stat?.isFile()) await fs.rm(paths.env, { force: true }).catch(() => undefined);
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}


function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
