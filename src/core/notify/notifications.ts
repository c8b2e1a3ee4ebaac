// Who raises a job's notify events, in order and exactly once across instances: the job's owner,
// or after it died the one successor that claimed it (notify-claim.ts), which first re-raises
// every marker after the job's notify cursor. Also the delivery record (notifications.jsonl).
import { promises as fs } from "node:fs";
import { isProcessAlive } from "../procfs.js";
import type { Job, JobView } from "../job/job.js";
import { writeFileAtomicSync } from "../job/job-files.js";
import { resolveNotifyHolder } from "./notify-claim.js";
import { scanNotifyMarkers } from "./notify-scan.js";
import type { LineEvent } from "./line-event.js";
import type { CoreBase } from "../parts.js";

/** One delivery attempt, kept with the job (notifications.jsonl) so failures show in get. */
export interface DeliveryRecord {
  sessionId: string;
  messages: number;
  delivered: boolean;
  error?: string | undefined;
}

export interface NotificationsDeps extends CoreBase {
  /** How far the job's markers are already in its chat session (see ManagerOptions.notifyDeliveredUpTo). */
  deliveredUpTo: ((job: JobView) => Promise<number | undefined>) | undefined;
}

export class Notifications {
  constructor(private readonly deps: NotificationsDeps) {
    deps.registry.internal.on("marker", (job, message, end, event) => this.onMarker(job, message, end, event));
  }

  /** Whether this instance delivers the job's notifications (taking them over if the holder died). */
  async claim(job: Job): Promise<boolean> {
    if (this.deps.registry.ownsJob(job)) return true;
    await this.takeOver(job);
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
  handled(job: Job, position: number): void {
    if (position <= job.notifyHandled) return;
    if (!this.deps.registry.ownsJob(job) && !job.notifyHolding) return;
    job.notifyHandled = position;
    try {
      writeFileAtomicSync(job.paths.notifyCursor, String(position));
    } catch (error) {
      this.deps.debug("notify cursor write failed", { jobId: job.id, error: String(error) });
    }
  }

  /** Records a delivery attempt with the job (notifications.jsonl), so failures are visible in get. */
  async record(job: Job, entry: DeliveryRecord): Promise<void> {
    this.deps.debug("notification delivery", { jobId: job.id, ...entry });
    if (entry.delivered) job.notificationsDelivered++;
    else job.lastNotificationError = entry.error ?? "unknown error";
    const line = `${JSON.stringify({ at: Date.now(), ...entry })}\n`;
    await fs.appendFile(job.paths.notifications, line, { mode: 0o600 }).catch(() => undefined);
  }

  /** Claims a job's notifications if its current holder is dead; raises what it left unhandled. */
  takeOver(job: Job): Promise<void> {
    const { registry, debug } = this.deps;
    if (job.notifyHolding || registry.ownsJob(job)) return Promise.resolve();
    // Only an instance that delivers (has a notify listener, e.g. not the CLI) takes part.
    if (!job.meta.sessionId || registry.events.listenerCount("notify") === 0) return Promise.resolve();
    // One syscall per marker while the holder lives; the files are read only when it died.
    if (isProcessAlive((job.notifyHolder ?? job.meta.owner).pid)) return Promise.resolve();
    job.notifyClaiming ??= (async () => {
      const result = await resolveNotifyHolder(job.paths.dir, job.meta.owner, { instanceId: registry.instanceId, pid: process.pid }, isProcessAlive);
      debug("notify claim", { jobId: job.id, holder: result.holder.instanceId, won: result.mine });
      if (!result.mine) {
        job.notifyHolder = result.holder;
        return;
      }
      // Same tick as the win: markers seen so far are re-read from the log, later ones come live.
      job.notifyHolding = true;
      const upTo = job.notifySeen;
      this.chain(job, async () => {
        const cursor = Number.parseInt(await fs.readFile(job.paths.notifyCursor, "utf8").catch(() => ""), 10);
        const inSession = await this.deps.deliveredUpTo?.(registry.view(job)).catch(() => undefined);
        const from = Math.max(Number.isNaN(cursor) ? 0 : cursor, inSession ?? 0);
        if (inSession !== undefined && inSession === from) this.handled(job, from);
        job.notifyHandled = Math.max(job.notifyHandled, from);
        const markers = await scanNotifyMarkers(job.paths.log, from, upTo, (line, context) => registry.watches.detect(job.id, line, context, undefined, true)).catch(() => []);
        debug("notify take-over", { jobId: job.id, cursor, inSession, upTo, markers: markers.length });
        for (const marker of markers) {
          // Raised already here (e.g. by this instance's own log resume before the claim): not again.
          if (marker.end <= job.notifyEmitted) continue;
          job.notifyEmitted = marker.end;
          registry.events.emit("notify", registry.view(job), marker.message, marker.end, marker.event);
        }
      });
    })()
      .catch((error: unknown) => debug("notify claim failed", { jobId: job.id, error: String(error) }))
      .finally(() => {
        job.notifyClaiming = undefined;
      });
    return job.notifyClaiming;
  }

  /** A running job's tailer read a marker (or another line event: a watch match, readiness). */
  private onMarker(job: Job, message: string, end: number, event: LineEvent): void {
    const { registry } = this.deps;
    job.notifySeen = Math.max(job.notifySeen, end);
    if (!registry.ownsJob(job) && !job.notifyHolding) {
      // Not ours (yet): if the holder died, take over; this marker is re-read from the log then.
      void this.takeOver(job);
      return;
    }
    this.deps.debug("notify", { jobId: job.id, message: message.slice(0, 80) });
    // Events go out in log order; one at or before the last raised was raised already (a resume
    // re-reading the log from the cursor while a take-over's re-raised events were not yet handled:
    // 1 marker of 1000 twice in one CI run).
    const emit = () => {
      if (end <= job.notifyEmitted) return;
      job.notifyEmitted = end;
      registry.events.emit("notify", registry.view(job), message, end, event);
    };
    // Behind a take-over's re-raised markers, if one is still being read; and not one the
    // dead holder already delivered (this tailer may lag behind where it got to).
    if (job.notifyHolding) {
      this.chain(job, () => {
        if (end > job.notifyHandled) emit();
      });
    } else emit();
  }

  /** Runs a step of a job's ordered notify events; a failed step is logged and the chain goes on. */
  private chain(job: Job, step: () => void | Promise<void>): void {
    job.notifyEmits = job.notifyEmits.then(step).catch((error: unknown) => this.deps.debug("notify event failed", { jobId: job.id, error: String(error) }));
  }
}
