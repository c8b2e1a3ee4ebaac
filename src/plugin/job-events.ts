// Events of a job for its chat session, delivered like OPENCODE_NOTIFY markers: one queue per
// session, coalescing and the cost guard (notifier.ts), framed as process output
// (notify-prompt.ts), exactly once across OpenCode instances (a line event carries its end
// offset in the log, which moves the job's notify cursor when handled; an event without one,
// like an exit notice or a port readiness, is sent only by the instance that holds the job's
// notify claim). Kinds so far: "marker", "exit", "watch", "ready"; a new kind needs no change
// here: give it a `title` (our words, e.g. "is waiting for input") and a `message` (quoted).
import type { JobManager } from "../core/manager.js";
import type { JobView } from "../core/job/job.js";
import { probeLoopbackPort } from "../core/wait/port-probe.js";
import type { NotifyItem } from "./notify-prompt.js";

/** One event for a session: the job, what happened (`title`), the quoted process output (`message`, may be ""). */
export type JobEvent = NotifyItem;

/** Where events go: PluginRuntime.deliverEvent. */
export type DeliverEvent = (sessionId: string, event: JobEvent) => void;

/** The event for a job whose readiness port accepts connections: names the port and the URL. */
export function portReadyEvent(job: Pick<JobView, "id" | "name">, port: number): JobEvent {
  return { jobId: job.id, jobName: job.name, kind: "ready", message: "", title: `is ready: port ${port} accepts connections (http://localhost:${port})` };
}

/** How often a job's readiness port is probed while it runs. */
const PORT_POLL_MS = 500;

/**
 * Probes the readiness ports of running jobs (watch.json `ready.port`) and tells each job's
 * session once when its port opens. Only the instance holding the job's notify claim probes and
 * reports; the readiness is written to watch.json before the event goes, so no one reports it twice.
 */
export class ReadyPortPoller {
  private readonly timer: NodeJS.Timeout;
  private readonly probing = new Set<string>();

  constructor(private readonly manager: () => JobManager | undefined, private readonly deliver: DeliverEvent, intervalMs = PORT_POLL_MS) {
    this.timer = setInterval(() => void this.tick(), intervalMs);
    this.timer.unref();
  }

  close(): void {
    clearInterval(this.timer);
  }

  private async tick(): Promise<void> {
    const manager = this.manager();
    if (!manager) return;
    for (const { jobId, port } of manager.watches.pendingPorts()) {
      if (this.probing.has(jobId) || !manager.has(jobId)) continue;
      const job = manager.get(jobId);
      if (job.status !== "running" || !job.sessionId) continue;
      this.probing.add(jobId);
      void this.probe(manager, job, port).finally(() => this.probing.delete(jobId));
    }
  }

  private async probe(manager: JobManager, job: JobView, port: number): Promise<void> {
    if (!(await manager.notices.claim(job.id).catch(() => false))) return;
    if ((await probeLoopbackPort(port, 300).catch(() => undefined)) === undefined) return;
    await manager.portReady(job.id).catch(() => undefined);
    if (job.sessionId) this.deliver(job.sessionId, portReadyEvent(job, port));
  }
}
