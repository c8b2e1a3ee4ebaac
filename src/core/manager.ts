// The facade: creates, finds, lists, reads and kills jobs; rebuilds them from disk and tmux when
// an OpenCode (re)starts; notices exits without polling the logs. It knows nothing of OpenCode
// and wires the core's parts, each an object of its own in the folder of its stage:
// launch/ (Launcher, TmuxServers), end/ (Finalizer, Killer), restart/ (Restarter, RunLedger),
// notify/ (Notifications), sync/ (JobWatch, JobSync, recovery), all sharing job/ (JobRegistry).
import { promises as fs } from "node:fs";
import { nanoid } from "nanoid";
import type { TmuxClient } from "../tmux/client.js";
import { resolveConfig, type CoreConfig } from "./config.js";
import { createDebugLog, type DebugLog } from "./debug.js";
import { Finalizer } from "./end/finalizer.js";
import { Killer, type KillReport } from "./end/killer.js";
import { removeFinished, type RemovedJobs } from "./end/remove-finished.js";
import { BackgroundError, InvalidInputError } from "./errors.js";
import { validateSendInput } from "./input/send-input.js";
import { sendInput } from "./input/send.js";
import type { InputWaits } from "./input/input-wait.js";
import { createInputWaits } from "./input/input-alarm.js";
import { isEmptyFilter, matchesFilter, type JobFilter } from "./job/filters.js";
import type { Job, JobView } from "./job/job.js";
import type { JobWatches } from "./notify/job-watches.js";
import { readJobUsage, type JobUsage, type UsageOptions } from "./job/job-usage.js";
import { jobProcessesOf } from "./end/job-processes.js";
import { jobsDir, TERMINAL_STATUSES, type JobStatus } from "./job/job-files.js";
import { JobRegistry, type ManagerEvents } from "./job/registry.js";
import type { ManagerOptions } from "./manager-options.js";
import type { CreateJobInput } from "./launch/create-input.js";
import { Launcher } from "./launch/launcher.js";
import { TmuxServers } from "./launch/tmux-servers.js";
import { Notifications } from "./notify/notifications.js";
import { JobNotices } from "./notify/job-notices.js";
import type { CoreBase } from "./parts.js";
import { ensureLoaded } from "./output/job-output.js";
import { readOutput, type OutputQuery, type OutputRead } from "./output/output-reader.js";
import { Restarter, type RestartReport } from "./restart/restart.js";
import { RunLedger } from "./restart/runs.js";
import { waitForStatus } from "./wait/status.js";
import { JobSync } from "./sync/job-sync.js";
import { JobWatch } from "./sync/job-watch.js";
import { recoverJobs } from "./sync/recovery.js";

export type { KillReport } from "./end/killer.js";
export type { RemovedJobs } from "./end/remove-finished.js";
export type { ManagerEvents } from "./job/registry.js";
export type { ManagerOptions } from "./manager-options.js";
export type { OutputRead } from "./output/output-reader.js";

export class JobManager {
  readonly instanceId: string;
  readonly config: CoreConfig;
  readonly debug: DebugLog;
  private readonly observeOnly: boolean;
  private readonly registry: JobRegistry;
  private readonly servers: TmuxServers;
  private readonly base: CoreBase;
  private readonly watch = new JobWatch();
  private readonly launcher: Launcher;
  private readonly finalizer: Finalizer;
  private readonly restarter: Restarter;
  private readonly killer: Killer;
  /** Who sends a job's prompts and what was sent, for the one that delivers them (the plugin). */
  readonly notices: JobNotices;
  private readonly sync: JobSync;
  /** The waiting-for-input alarm of every job (input/input-wait.ts). */
  private readonly inputWaits: InputWaits;
  private livenessTimer: NodeJS.Timeout | undefined;
  private closed = false;

  private constructor(options: ManagerOptions) {
    const observeOnly = (this.observeOnly = options.observeOnly ?? false);
    const env = options.env ?? process.env;
    const config = (this.config = resolveConfig(options.config, env));
    this.instanceId = options.instanceId ?? nanoid(12);
    const debug = (this.debug = createDebugLog(config.stateDir, env));
    // Each part gets the base and the parts it uses, built in this order; none calls back into the manager.
    const registry = (this.registry = new JobRegistry(this.instanceId, config));
    const servers = (this.servers = new TmuxServers({ socketName: config.tmuxSocket, sessionName: config.sessionName, env }));
    const base = (this.base = { config, registry, servers, debug, observeOnly });
    const runs = new RunLedger(this.instanceId);
    const launcher = (this.launcher = new Launcher({ ...base, watch: this.watch, baseEnv: env }));
    const finalizer = (this.finalizer = new Finalizer({ ...base, runs, launcher }));
    const restarter = (this.restarter = new Restarter({ ...base, runs, launcher, finalizer }));
    this.killer = new Killer({ ...base, runs, finalizer, restarter });
    const notifications = new Notifications({ ...base, deliveredUpTo: options.notifyDeliveredUpTo });
    this.notices = new JobNotices(registry, notifications);
    const inputWaits = (this.inputWaits = createInputWaits(base, notifications));
    this.sync = new JobSync({ ...base, runs, launcher, finalizer, restarter, notifications, inputWaits });
  }

  /** Opens the state dir, rebuilds every job found there and starts watching. */
  static async open(options: ManagerOptions = {}): Promise<JobManager> {
    const manager = new JobManager(options);
    for (const [event, listener] of Object.entries(options.listeners ?? {})) {
      if (listener) manager.registry.events.on(event as keyof ManagerEvents, listener as never);
    }
    await manager.start();
    return manager;
  }

  private async start(): Promise<void> {
    const root = jobsDir(this.config.stateDir);
    await fs.mkdir(root, { recursive: true, mode: 0o700 });
    const { finalizer, killer, restarter, sync } = this;
    await recoverJobs({ ...this.base, finalizer, killer, restarter, sync, inputWaits: this.inputWaits });
    // Not awaited (100 jobs: 40-100 ms; beside recovery it held recovery's reads up): recovery
    // read the truth, the catch-up adds what changed since, once the watch is live.
    const watching = this.watch.start(root, (event) => this.sync.onFileEvent(event), (error) => this.debug("watch error", { error: String(error) }));
    void watching.then(() => this.watch.watchMissed().then(() => sync.catchUp()), (error: unknown) => this.debug("watch failed", { error: String(error) })).catch(() => undefined);
    this.debug("opened", { instanceId: this.instanceId, observeOnly: this.observeOnly, jobs: this.registry.size });
    this.livenessTimer = setInterval(() => this.sync.checkLiveness(), this.config.livenessIntervalMs);
    this.livenessTimer.unref();
    if (!this.observeOnly) this.launcher.prepare();
  }

  on<E extends keyof ManagerEvents>(event: E, listener: (...args: ManagerEvents[E]) => void): () => void {
    this.registry.events.on(event, listener as never);
    return () => this.registry.events.off(event, listener as never);
  }

  /**
   * Starts a command in its own tmux window. Invalid input throws InvalidInputError; a failure
   * half-way (tmux missing, the window not starting, a file not written) removes the job's folder
   * and throws JobStartError saying why: no half-made job is left for anyone to list.
   */
  async create(input: CreateJobInput): Promise<JobView> {
    this.assertOpen();
    return this.launcher.create(input);
  }

  /** One job's current view; unknown ids throw UnknownJobError. */
  get(id: string): JobView {
    return this.registry.view(this.registry.require(id));
  }

  has(id: string): boolean {
    return this.registry.has(id);
  }

  /** Jobs matching the filter, oldest first. */
  list(filter: JobFilter = {}): JobView[] {
    return this.registry.all()
      .map((job) => this.registry.view(job))
      .filter((view) => matchesFilter(view, filter))
      .sort((a, b) => a.createdAt - b.createdAt);
  }

  /** Ports, CPU and memory of the running jobs among `ids` (job/job-usage.ts: one /proc pass for all). */
  async usage(ids: readonly string[], options?: UsageOptions): Promise<Map<string, JobUsage>> {
    const running = ids.map((id) => this.registry.get(id)).filter((job): job is Job => !!job?.isActive && !!job.started);
    return readJobUsage(running.map((job) => ({ id: job.id, ...jobProcessesOf(job) })), options);
  }

  /** Each job's watches and readiness (watch.json): which output lines are events. */
  get watches(): JobWatches {
    return this.registry.watches;
  }

  /** watchProcess: adds and removes a job's watches (watch.json); returns the new list. */
  async changeWatches(id: string, change: { add?: unknown; remove?: unknown }): Promise<string[]> {
    return this.registry.watches.change(id, this.registry.require(id).paths.dir, change);
  }

  /** A job's readiness port accepted a connection: recorded, so no instance reports it again. */
  async portReady(id: string): Promise<void> {
    await this.registry.watches.markPortReady(id, this.registry.require(id).paths.dir);
  }

  /** Loads the log tails of jobs found at start that nobody has read yet (for list's last line). */
  async loadOutputs(ids: readonly string[]): Promise<void> {
    await Promise.all(ids.map((id) => ensureLoaded(this.registry.require(id))));
  }

  /** Output lines: the last `lines`, or from line `since` on (older ones from the log file), optionally grepped. */
  async output(id: string, options: OutputQuery = {}): Promise<OutputRead> {
    const job = this.registry.require(id);
    await ensureLoaded(job);
    await job.tailer.read();
    return readOutput({ ring: job.tailer.ring, pending: job.tailer.pendingLine(), logPath: job.paths.log }, options);
  }

  /** The caller just showed the agent the job's unfinished last line (a prompt): no alarm for it. */
  inputPromptShown(id: string): void {
    const job = this.registry.get(id);
    if (job) this.inputWaits.promptShown(job);
  }

  /** The current run's first output line: 1, or where the last restart's run began. */
  runFirstLine(id: string): number {
    return this.registry.require(id).restartState?.firstLine ?? 1;
  }

  /** The argv a person runs to look at (and type into) a job's window. */
  attachCommand(id: string): string[] {
    return this.servers.attachCommand(this.registry.require(id).started);
  }

  /** The tmux server a job runs on (for the CLI's attach checks). */
  tmuxOf(id: string): TmuxClient {
    return this.servers.for(this.registry.require(id).started);
  }

  /** Resolves when the job reaches one of `statuses` (default: any final one). */
  waitForStatus(id: string, statuses: readonly JobStatus[] = TERMINAL_STATUSES, timeoutMs = 30_000): Promise<JobView> {
    return waitForStatus(this, id, statuses, timeoutMs);
  }

  /** Types text and/or named keys into a running job's window. */
  async send(id: string, input: { text?: string; keys?: readonly string[]; enter?: boolean }): Promise<void> {
    const job = this.registry.require(id);
    validateSendInput(input);
    await sendInput(job, this.servers, input);
    this.inputWaits.inputSent(job);
  }

  /** Runs a job again, running or finished, in its window (or a new one); see restart/restart.ts. */
  async restart(id: string, options: { reason?: string } = {}): Promise<RestartReport> {
    this.assertOpen();
    const job = this.registry.require(id);
    if (job.detached) throw new InvalidInputError(`job ${id}'s folder was deleted: it can be killed, not restarted.`);
    return this.restarter.restart(job, options);
  }

  /** Ends every job matching the filter: its whole process tree, then its window. */
  async kill(filter: JobFilter, options: { reason?: string } = {}): Promise<KillReport[]> {
    this.assertOpen();
    if (isEmptyFilter(filter)) {
      throw new InvalidInputError("Refusing to kill every process: give a processId, a sessionId, a status or tags.");
    }
    for (const id of filter.ids ?? []) this.registry.require(id);
    return this.killer.killAll(this.list(filter).map((view) => this.registry.require(view.id)), options.reason);
  }

  /** OpenCode is exiting: ends its session jobs (and closes finished ones' windows); global jobs stay. */
  async killOwnSessionJobs(reason = "OpenCode exited"): Promise<KillReport[]> {
    const targets = this.list({ ownerInstanceId: this.instanceId, scope: "session" });
    if (targets.length === 0) return [];
    return this.kill({ ids: targets.map((job) => job.id) }, { reason });
  }

  /** Waits for end-of-job bookkeeping under way, so a short-lived caller (the CLI) shows no stale status. */
  async settle(): Promise<void> {
    await Promise.all(this.registry.all().map((job) => job.finalizing?.catch(() => undefined)));
  }

  /** Brings every job up to what is on disk now, for a caller about to read (each tool call). See JobSync.refresh. */
  refresh(): Promise<void> {
    return this.sync.refresh();
  }

  /**
   * Garbage collection: deletes the folders of finished jobs (completed/failed/cancelled) that
   * ended at least `olderThanMs` ago, and closes their leftover dead windows. Never touches an
   * active job. With dryRun, only reports what it would remove.
   */
  async removeFinished(options: { olderThanMs: number; dryRun?: boolean }): Promise<RemovedJobs> {
    this.assertOpen();
    await this.settle();
    return removeFinished(this.registry, this.servers, options);
  }

  /** Stops watching and timers. Jobs keep running; another instance can pick them up. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.sync.close();
    this.finalizer.close();
    if (this.livenessTimer) clearInterval(this.livenessTimer);
    // A short-lived caller (the CLI's run) must not take the environment with it.
    await this.launcher.close();
    // No notify cursor to save here: it moves when a marker is handled (notices.handled).
    for (const job of this.registry.all()) job.tailer.close();
    this.restarter.close();
    this.inputWaits.close();
    this.servers.close();
    await this.watch.close();
  }

  private assertOpen(): void {
    if (this.closed) throw new BackgroundError("the background process manager is closed");
  }
}
