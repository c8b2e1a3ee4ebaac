// The jobs this manager tracks, by id, and the events it raises about them. Every part of the
// core (launch, end, restart, notify, sync) reads and changes jobs through this one object, so
// none of them needs the manager: the facade wires them together, nothing calls back into it.
import { EventEmitter } from "node:events";
import { UnknownJobError } from "../errors.js";
import { LogTailer } from "../output/log-tailer.js";
import { Job, type JobView } from "./job.js";
import type { JobMeta, JobPaths } from "./job-files.js";
import type { InputWait } from "../input/input-wait-state.js";
import { JobWatches } from "../notify/job-watches.js";
import type { LineEvent } from "../notify/line-event.js";

export interface ManagerEvents {
  /** A job changed status (created, started, ended). */
  status: [job: JobView];
  /**
   * A running job printed `OPENCODE_NOTIFY: message` and this instance delivers its
   * notifications (its owner, or the successor of a dead owner; see notify/notify-claim.ts). `position`
   * (the marker's end in the log) goes back to JobNotices.handled once the marker is handled.
   */
  notify: [job: JobView, message: string, position: number, event?: LineEvent];
  /** A complete output line (clean text) with its absolute line number. */
  line: [jobId: string, line: string, lineNo: number];
  /** A running job waits for input (input/input-wait.ts); raised once, by one instance, per prompt. */
  inputWait: [job: JobView, wait: InputWait];
}

/** Something that raises ManagerEvents (the manager), for helpers that only listen. */
export interface ManagerEventSource {
  on<E extends keyof ManagerEvents>(event: E, listener: (...args: ManagerEvents[E]) => void): () => void;
}

/** Events between the core's parts (not for callers of the manager). */
export interface RegistryEvents {
  /** A job's log tailer read a notify marker; notify/notifications.ts decides who delivers it. */
  marker: [job: Job, message: string, end: number, event: LineEvent];
  /** A job got its final status (decided here or read from another instance's outcome.json). */
  ended: [job: Job];
  /** A job's log tailer finished a read (input/input-wait.ts looks at where the output stopped). */
  readEnd: [job: Job];
}

export class JobRegistry {
  private readonly jobs = new Map<string, Job>();
  /** What callers of the manager listen to. */
  readonly events = new EventEmitter<ManagerEvents>();
  /** What the core's parts listen to. */
  readonly internal = new EventEmitter<RegistryEvents>();
  /** Each job's watches and readiness (watch.json; issue 12): which output lines are events. */
  readonly watches = new JobWatches();

  constructor(
    readonly instanceId: string,
    private readonly ring: { ringLines: number; ringChars: number },
  ) {}

  get(id: string): Job | undefined {
    return this.jobs.get(id);
  }

  /** The job, or UnknownJobError. */
  require(id: string): Job {
    const job = this.jobs.get(id);
    if (!job) throw new UnknownJobError(id);
    return job;
  }

  has(id: string): boolean {
    return this.jobs.has(id);
  }

  ids(): string[] {
    return [...this.jobs.keys()];
  }

  all(): Job[] {
    return [...this.jobs.values()];
  }

  get size(): number {
    return this.jobs.size;
  }

  /** Forgets a job (its log tailer stops). */
  forget(job: Job): void {
    job.tailer.close();
    if (this.jobs.get(job.id) === job) this.jobs.delete(job.id);
  }

  view(job: Job): JobView {
    return job.view(this.instanceId);
  }

  /** Whether this instance created the job. */
  ownsJob(job: Job): boolean {
    return job.meta.owner.instanceId === this.instanceId;
  }

  emitStatus(job: Job): void {
    this.events.emit("status", this.view(job));
  }

  /** Tells the core's parts that a job got its final status (after listeners saw the status). */
  ended(job: Job): void {
    this.internal.emit("ended", job);
  }

  /** Starts tracking a job read from (or just written to) its folder; its log is not read yet. */
  track(meta: JobMeta, paths: JobPaths): Job {
    const tailer: LogTailer = new LogTailer({
      logPath: paths.log,
      maxLines: this.ring.ringLines,
      maxChars: this.ring.ringChars,
      events: {
        onLine: (line, lineNo) => this.events.emit("line", meta.id, line, lineNo),
        onReadEnd: () => {
          const job = this.jobs.get(meta.id);
          if (job) this.internal.emit("readEnd", job);
        },
        onNotify: (message, end, event) => {
          const job = this.jobs.get(meta.id);
          if (job?.isActive) this.internal.emit("marker", job, message, end, event);
        },
      },
      detect: (line, context) => this.watches.detect(meta.id, line, context, paths.dir),
      // Every line only for a line listener (waits, output arrival) or a watch / readiness
      // pattern; markers alone are found in the raw bytes.
      everyLine: () => this.events.listenerCount("line") > 0 || this.watches.needsEveryLine(meta.id),
    });
    const job = new Job(meta, paths, tailer);
    // Watches before the log is first read: the cursor must be read right before the resume (a
    // wait between them let a take-over's live events be raised again: 2 of 200 watched lines twice).
    job.beforeLoad = () => this.watches.load(meta.id, paths.dir, { ifUnknown: true });
    this.jobs.set(meta.id, job);
    return job;
  }
}
