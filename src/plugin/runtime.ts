// The plugin's running state for one OpenCode: the job manager (opened once), notification
// delivery, and cleanup when sessions end and when OpenCode exits. Tools and hooks call in here.
import type { PluginInput } from "@opencode-ai/plugin";
import { JobManager } from "../core/manager.js";
import type { JobView } from "../core/job.js";
import { Notifier } from "./notifier.js";
import { buildExitNotice, EXIT_NOTICE_LINES, exitNoticeDue } from "./exit-notice.js";
import { coreConfigFrom, type PluginOptions } from "./options.js";
import { collectOldJobs } from "./gc-at-start.js";
import { SessionContext } from "./session-context.js";

export class PluginRuntime {
  readonly sessions: SessionContext;
  private readonly managerPromise: Promise<JobManager>;
  private readonly notifier: Notifier;
  private disposing: Promise<void> | undefined;

  /** `configError`: the plugin options were invalid; every tool reports it and nothing starts. */
  constructor(private readonly input: PluginInput, readonly options: PluginOptions, configError?: Error) {
    this.sessions = new SessionContext(input.client);
    this.notifier = new Notifier({
      deliver: (sessionId, text) => this.deliver(sessionId, text),
      onResult: (result) => {
        for (const jobId of new Set(result.items.map((item) => item.jobId))) {
          void this.managerPromise.then((manager) =>
            manager.recordNotification(jobId, { sessionId: result.sessionId, messages: result.items.length, delivered: result.delivered, error: result.error }),
          );
        }
      },
      coalesceMs: options.notifyCoalesceMs,
      limits: { maxChars: options.notifyMaxChars, maxItems: 20 },
    });
    this.managerPromise = configError ? Promise.reject(configError) : JobManager.open({
      config: coreConfigFrom(options),
      // Markers printed while no OpenCode ran are raised during recovery: listen from the start.
      listeners: { notify: (job, message) => void this.onNotify(job, message), status: (job) => void this.onStatus(job) },
    });
    // Tools report the failure; an unhandled rejection here would only add noise.
    this.managerPromise.catch(() => undefined);
    // Old finished jobs go at start (gcAfterDays); a failure only costs disk space.
    void this.managerPromise.then((manager) => collectOldJobs(manager, options.gcAfterDays)).catch(() => undefined);
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
      await this.notifier.drain().catch(() => undefined);
      this.notifier.close();
      await manager.killOwnSessionJobs().catch(() => undefined);
      await manager.close();
    })();
    return this.disposing;
  }

  private async onNotify(job: JobView, message: string): Promise<void> {
    if (!job.sessionId) return;
    const manager = await this.managerPromise;
    if (!(await manager.claimNotifications(job.id).catch(() => false))) return;
    this.notifier.enqueue(job.sessionId, { jobId: job.id, jobName: job.name, message });
  }

  /** Jobs whose exit notice this instance has queued: one per job, whatever events repeat. */
  private readonly exitNotices = new Set<string>();

  /** notifyOnExit: a job that ended by itself tells its session once, after its last markers. */
  private async onStatus(job: JobView): Promise<void> {
    if (!exitNoticeDue(job) || this.exitNotices.has(job.id) || !job.sessionId) return;
    this.exitNotices.add(job.id);
    const manager = await this.managerPromise;
    // The same claim as markers: exactly one live OpenCode sends it, however many are running.
    if (!(await manager.claimNotifications(job.id).catch(() => false))) return;
    const tail = await manager.output(job.id, { lines: EXIT_NOTICE_LINES }).catch(() => undefined);
    const message = buildExitNotice(job, tail ?? { lines: [], next: 1, dropped: false, pending: "" }, this.options.notifyMaxChars);
    this.notifier.enqueue(job.sessionId, { jobId: job.id, jobName: job.name, message });
  }

  private async deliver(sessionId: string, text: string): Promise<void> {
    const { agent, model } = await this.sessions.lookup(sessionId);
    const response = await this.input.client.session.promptAsync({
      path: { id: sessionId },
      body: { parts: [{ type: "text", text }], ...(agent ? { agent } : {}), ...(model ? { model } : {}) },
    });
    const error = (response as { error?: unknown }).error;
    if (error) throw new Error(`OpenCode refused the prompt: ${JSON.stringify(error).slice(0, 300)}`);
  }
}
