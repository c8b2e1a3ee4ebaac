// One job in memory: its files' contents, its log tailer, and the plain view handed to callers.
import type { JobCancel, JobMeta, JobOutcome, JobPaths, JobStarted, JobStatus, RestartState } from "./job-files.js";
import type { LogTailer } from "../output/log-tailer.js";
import { isSameProcessAlive, type ProcessIdentity } from "../procfs.js";
import type { InputWait } from "../input/input-wait-state.js";

/**
 * A job that lost its folder: "folder-deleted" = it was tracked here when its folder vanished;
 * "stray" = only its marker processes were found (a manager opened after the folder was gone).
 */
export type Detached = "folder-deleted" | "stray";

/** A snapshot of a job for callers (tools, CLI, sidebar): plain data, safe to serialise. */
export interface JobView {
  id: string;
  name: string;
  tags: string[];
  scope: "session" | "global";
  sessionId: string | undefined;
  projectDir: string | undefined;
  ownerInstanceId: string;
  ownerPid: number;
  /** True when the job was started by the instance that returned this view. */
  ownedHere: boolean;
  command: string;
  cwd: string;
  status: JobStatus;
  windowName: string;
  windowId: string | undefined;
  paneId: string | undefined;
  /** pid of the job's wrapper (the tmux pane's process). */
  pid: number | undefined;
  createdAt: number;
  startedAt: number | undefined;
  endedAt: number | undefined;
  exitCode: number | undefined;
  signal: string | undefined;
  error: string | undefined;
  logPath: string;
  /** The last complete output line (clean text), if any. */
  lastLine: string | undefined;
  /** Said beside the status when the log cannot be written, e.g. "disk full: output is no longer recorded". */
  logProblem?: string | undefined;
  /** Notification prompts this instance delivered for the job, and the last failure if any. */
  notificationsDelivered: number;
  lastNotificationError: string | undefined;
  /** The session gets one prompt when the job ends by itself (stored in meta.json). */
  notifyOnExit: boolean;
  /** True once opencode-bg ended the job on request (kill, session or OpenCode cleanup). */
  endedByRequest: boolean;
  /** Its final state says its session is owed an exit notice (outcome.json `exitNotice`), sent or not. */
  exitNoticeOwed: boolean;
  /** How many times the job was restarted (restartProcess or its restart policy); 0 = first run. */
  restarts: number;
  /** Set when the job's folder is gone; its processes are still listed and killable. */
  detached?: Detached | undefined;
  /**
   * Processes of the job still running although it has ended (its window or tmux server went
   * away under processes that ignore SIGHUP), or a stray job's processes. Kill ends them.
   */
  processesLeft?: number;
  /** restart: "on-failure" from create, if given. */
  restartPolicy: { policy: "on-failure"; maxRestarts: number } | undefined;
  /** Automatic restarts used (counts against restartPolicy.maxRestarts; a restart by hand resets it). */
  automaticRestarts: number;
  /** Set while the job waits for input: its output stopped on this prompt (input-wait.ts). */
  inputWait?: InputWait | undefined;
}

export class Job {
  started: JobStarted | undefined;
  outcome: JobOutcome | undefined;
  /** Shared promise of the one finalisation (exit seen -> outcome written). */
  finalizing: Promise<void> | undefined;
  /** Set once the tailer has loaded the log (finished jobs found at start load lazily). */
  loaded: Promise<void> | undefined;
  /** Runs before the log is first read (the registry loads the job's watches here). */
  beforeLoad: (() => Promise<unknown>) | undefined;
  notificationsDelivered = 0;
  lastNotificationError: string | undefined;
  // Notification succession (see JobNotices.claim / notify/notify-claim.ts), for jobs of other instances.
  /** This instance took over the job's notifications from a dead holder. */
  notifyHolding = false;
  /** The live holder last found in the claim chain (the owner until one is found). */
  notifyHolder: { instanceId: string; pid: number } | undefined;
  notifyClaiming: Promise<void> | undefined;
  /** notify events in order: markers re-read at take-over go before later live ones. */
  notifyEmits: Promise<void> = Promise.resolve();
  /** End of the latest marker the tailer reported, and of the latest one handled here. */
  notifySeen = 0;
  notifyHandled = 0;
  /** End of the last notify event this instance raised: events go out in log order, each once. */
  notifyEmitted = 0;
  /** restart.json: the current run number and whether a restart is under way somewhere. */
  restartState: RestartState | undefined;
  /** This instance's restart of the job, while it runs. */
  restarting: Promise<unknown> | undefined;
  /** A kill asked here for this run: decides "cancelled" even if cancel.json could not be written. */
  cancelRequest: { run: number; cancel: JobCancel } | undefined;
  /** The last record (outcome.json) this instance failed to write, for the kill's report. */
  recordError: string | undefined;
  /** The job's folder is gone (see Detached); nothing is written for it any more. */
  detached: Detached | undefined;
  /** Marker processes found alive after the job ended, or a stray job's processes (see end/marker-scan.ts). */
  leftovers: ProcessIdentity[] = [];
  /** The log writer could not write (log-write-failed exists); see output/log-problem.ts. */
  logProblem: string | undefined;
  /** The waiting-for-input alarm in force (input-wait.ts). */
  inputWait: InputWait | undefined;

  constructor(
    readonly meta: JobMeta,
    readonly paths: JobPaths,
    readonly tailer: LogTailer,
  ) {}

  get id(): string {
    return this.meta.id;
  }

  get status(): JobStatus {
    if (this.outcome) return this.outcome.status;
    return this.started || this.detached === "stray" ? "running" : "pending";
  }

  get isActive(): boolean {
    return this.outcome === undefined;
  }

  view(instanceId: string): JobView {
    const { meta, started, outcome } = this;
    const last = this.tailer.ring.tail(1)[0];
    return {
      id: meta.id,
      name: meta.name,
      tags: [...meta.tags],
      scope: meta.scope,
      sessionId: meta.sessionId,
      projectDir: meta.projectDir,
      ownerInstanceId: meta.owner.instanceId,
      ownerPid: meta.owner.pid,
      ownedHere: meta.owner.instanceId === instanceId,
      command: meta.command,
      cwd: meta.cwd,
      status: this.status,
      windowName: meta.windowName,
      windowId: started?.windowId,
      paneId: started?.paneId,
      pid: started?.panePid,
      createdAt: meta.createdAt,
      startedAt: started?.startedAt,
      endedAt: outcome?.endedAt,
      exitCode: outcome?.exitCode,
      signal: outcome?.signal,
      error: outcome?.error,
      logPath: this.paths.log,
      lastLine: last?.text,
      // Only a running job's output can still be lost.
      logProblem: this.isActive ? this.logProblem : undefined,
      notificationsDelivered: this.notificationsDelivered,
      lastNotificationError: this.lastNotificationError,
      notifyOnExit: meta.notifyOnExit === true,
      endedByRequest: outcome?.requested === true,
      exitNoticeOwed: outcome?.exitNotice === "owed",
      restarts: this.restartState?.run ?? 0,
      detached: this.detached,
      // One stat read per leftover: only jobs that lost their window or folder have any.
      processesLeft: this.leftovers.filter(isSameProcessAlive).length,
      restartPolicy: meta.restart ? { ...meta.restart } : undefined,
      automaticRestarts: this.restartState?.automatic ?? 0,
      inputWait: this.isActive && this.inputWait ? { ...this.inputWait } : undefined,
    };
  }
}
