// The plugin's running state for one OpenCode: the job manager (opened once), notification
// delivery, and cleanup when sessions end and when OpenCode exits. Tools and hooks call in here.
import type { PluginInput } from "@opencode-ai/plugin";
import { JobManager } from "../core/manager.js";
import type { JobView } from "../core/job/job.js";
import { Notifier } from "./notifier.js";
import type { NotifyItem, NotifyPrompt } from "./notify-prompt.js";

/** Key of the part metadata recording, per job, the end of the last marker a prompt delivered. */
export const DELIVERED_KEY = "opencodeBgDelivered";
/** Recent messages searched for that record (only the dead holder's last prompt can be missing from the cursor). */
const DELIVERED_LOOKBACK = 50;
import { buildExitNotice, EXIT_NOTICE_LINES, exitNoticeDue } from "./exit-notice.js";
import { coreConfigFrom, type PluginOptions } from "./options.js";
import { collectOldJobs } from "./gc-at-start.js";
import { SessionContext } from "./session-context.js";
import { inputWaitHint } from "./input-wait-notice.js";
import { ReadyPortPoller, type JobEvent } from "./job-events.js";
import type { LineEvent } from "../core/notify/line-event.js";

export class PluginRuntime {
  readonly sessions: SessionContext;
  private readonly managerPromise: Promise<JobManager>;
  /** The manager once open: markers only come from it, so it is set whenever a delivery ends. */
  private managerNow: JobManager | undefined;
  private readonly notifier: Notifier;
  private disposing: Promise<void> | undefined;
  private readonly readyPorts: ReadyPortPoller;

  /** `configError`: the plugin options were invalid; every tool reports it and nothing starts. */
  constructor(private readonly input: PluginInput, readonly options: PluginOptions, configError?: Error) {
    this.sessions = new SessionContext(input.client);
    this.notifier = new Notifier({
      deliver: (sessionId, prompt, items) => this.deliver(sessionId, prompt, items),
      onResult: (result) => {
        // Handled = delivered or failed for good (never retried): either way the job's cursor
        // moves past these markers at once, so a successor does not send them again.
        const handledUpTo = new Map<string, number>();
        for (const item of result.items) {
          if (item.position !== undefined) handledUpTo.set(item.jobId, Math.max(handledUpTo.get(item.jobId) ?? 0, item.position));
        }
        // Synchronously, right after the prompt was accepted (see JobNotices.handled).
        for (const [jobId, position] of handledUpTo) this.managerNow?.notices.handled(jobId, position);
        // An exit notice is recorded once handled, like markers: if this OpenCode dies while the
        // notice waits out the cost guard, the next one sends it.
        for (const item of result.items) {
          if (item.kind === "exit" && item.run !== undefined) void this.managerNow?.notices.recordExitNoticeSent(item.jobId, item.run);
        }
        for (const jobId of new Set(result.items.map((item) => item.jobId))) {
          void this.managerPromise.then((manager) =>
            manager.notices.record(jobId, { sessionId: result.sessionId, messages: result.items.length, delivered: result.delivered, error: result.error }),
          );
        }
      },
      limits: { maxChars: options.notifyMaxChars, maxItems: 20 },
      rate: { minIntervalMs: options.notifyMinIntervalMs, maxPerMinute: options.notifyMaxPerMinute, windowMs: options.notifyWindowMs },
    });
    this.managerPromise = configError ? Promise.reject(configError) : JobManager.open({
      config: coreConfigFrom(options),
      notifyDeliveredUpTo: (job) => this.deliveredUpTo(job),
      // Markers printed while no OpenCode ran are raised during recovery: listen from the start.
      listeners: {
        notify: (job, message, position, event) => this.onNotify(job, message, position, event),
        status: (job) => void this.onStatus(job),
        // Raised once per prompt, by the one instance that delivers the job's notifications.
        inputWait: (job, wait) => job.sessionId && this.notifier.enqueue(job.sessionId, { jobId: job.id, jobName: job.name, message: wait.prompt, kind: "input", hint: inputWaitHint(job, wait) }),
      },
    });
    // Tools report the failure; an unhandled rejection here would only add noise.
    this.managerPromise.then((manager) => (this.managerNow = manager)).catch(() => undefined);
    this.readyPorts = new ReadyPortPoller(() => this.managerNow, (sessionId, event) => this.deliverEvent(sessionId, event));
    void this.managerPromise.then((manager) => this.replayOwedExitNotices(manager)).catch(() => undefined);
    // Old finished jobs go at start (gcAfterDays); a failure only costs disk space.
    void this.managerPromise.then((manager) => collectOldJobs(manager, options.gcAfterDays)).catch(() => undefined);
  }

  /**
   * Ends recorded before this manager opened raised no status event here: their owed exit notices
   * go now. Only unsent ones: claiming the notifications of every old job would take them over.
   */
  private replayOwedExitNotices(manager: JobManager): void {
    for (const job of manager.list()) if (manager.notices.unsentExitNotice(job.id) !== undefined) void this.onStatus(job);
  }

  /** The manager, brought up to the state on disk (every tool call reads through here). */
  async manager(): Promise<JobManager> {
    const manager = await this.managerPromise;
    await manager.refresh();
    return manager;
  }

  /** session.deleted: that session's session-scoped processes end; its global ones stay. */
  async onSessionDeleted(sessionId: string): Promise<void> {
    this.sessions.forget(sessionId);
    const manager = await this.managerPromise;
    await manager.kill({ sessionId, scope: "session" }, { reason: "its chat session was deleted" });
  }

  /** OpenCode is exiting: end this instance's session processes. Safe to call twice. */
  dispose(): Promise<void> {
    this.disposing ??= (async () => {
      const manager = await this.managerPromise.catch(() => undefined);
      if (!manager) return;
      this.readyPorts.close();
      await this.notifier.drain().catch(() => undefined);
      this.notifier.close();
      await manager.killOwnSessionJobs().catch(() => undefined);
      await manager.close();
    })();
    return this.disposing;
  }

  /** The manager raises only markers this instance delivers (its own jobs, or taken over from a dead owner). */
  private onNotify(job: JobView, message: string, position: number, event?: LineEvent): void {
    if (!job.sessionId) return;
    this.deliverEvent(job.sessionId, { jobId: job.id, jobName: job.name, message, position, kind: event?.kind, title: event?.title });
  }

  /**
   * Sends a job event to a session through the markers' delivery (see job-events.ts). The caller
   * makes sure only one instance sends it: a line event (with `position`) comes from the
   * manager's notify event; any other needs manager.notices.claim(jobId) first.
   */
  deliverEvent(sessionId: string, event: JobEvent): void {
    this.notifier.enqueue(sessionId, event);
  }

  /** Runs (job id and run) whose exit notice this instance has looked at, whatever events repeat. */
  private readonly exitNotices = new Set<string>();

  /**
   * notifyOnExit: a job that ended by itself tells its session once per run, after its last
   * markers. Called on status events, and at open for ends decided while this OpenCode did not
   * watch (by the CLI, the sidebar, or while no OpenCode ran): see replayOwedExitNotices.
   */
  private async onStatus(job: JobView): Promise<void> {
    const key = `${job.id}:${job.restarts}`;
    if (!exitNoticeDue(job) || this.exitNotices.has(key) || !job.sessionId) return;
    this.exitNotices.add(key);
    const manager = await this.managerPromise;
    // The same claim as markers: only the live OpenCode that holds the job's notifications sends
    // it, and only if no one handled it before (the per-run record survives every restart).
    if (!(await manager.notices.claim(job.id).catch(() => false))) return;
    const run = manager.notices.unsentExitNotice(job.id);
    if (run === undefined) return;
    const tail = await manager.output(job.id, { lines: EXIT_NOTICE_LINES }).catch(() => undefined);
    const message = buildExitNotice(job, tail ?? { lines: [], next: 1, dropped: false, pending: "" }, this.options.notifyMaxChars);
    this.notifier.enqueue(job.sessionId, { jobId: job.id, jobName: job.name, message, kind: "exit", run });
  }

  /**
   * The visible, framed text, then the synthetic note for the model (see notify-prompt.ts). The
   * note's metadata records how far each job's markers this prompt delivers, in the session
   * itself (read back by deliveredUpTo when another OpenCode takes over).
   */
  private async deliver(sessionId: string, prompt: NotifyPrompt, items: readonly NotifyItem[]): Promise<void> {
    const { agent, model } = await this.sessions.lookup(sessionId);
    const delivered: Record<string, number> = {};
    for (const item of items) if (item.position !== undefined) delivered[item.jobId] = Math.max(delivered[item.jobId] ?? 0, item.position);
    const parts = [
      { type: "text" as const, text: prompt.text },
      { type: "text" as const, text: prompt.note, synthetic: true, metadata: { [DELIVERED_KEY]: delivered } },
    ];
    const response = await this.input.client.session.promptAsync({
      path: { id: sessionId },
      body: { parts, ...(agent ? { agent } : {}), ...(model ? { model } : {}) },
    });
    const error = (response as { error?: unknown }).error;
    if (error) throw new Error(`OpenCode refused the prompt: ${JSON.stringify(error).slice(0, 300)}`);
  }

  /** The end of the job's last marker its session already holds a prompt for, if any. */
  private async deliveredUpTo(job: JobView): Promise<number | undefined> {
    if (!job.sessionId) return undefined;
    const response = await this.input.client.session.messages({ path: { id: job.sessionId }, query: { limit: DELIVERED_LOOKBACK } });
    let found: number | undefined;
    for (const message of (response.data ?? []) as { parts: { metadata?: Record<string, unknown> }[] }[]) {
      for (const part of message.parts) {
        const position = (part.metadata?.[DELIVERED_KEY] as Record<string, unknown> | undefined)?.[job.id];
        if (typeof position === "number") found = Math.max(found ?? 0, position);
      }
    }
    return found;
  }
}
