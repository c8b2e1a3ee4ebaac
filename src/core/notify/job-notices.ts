// The manager's notification desk, by job id, for whoever delivers prompts (the plugin): which
// instance sends a job's prompts, what it handled, and the exit notice's record. The parts live
// in notifications.ts (claims, cursor, delivery log) and exit-notice-record.ts.
import type { JobRegistry } from "../job/registry.js";
import type { DeliveryRecord, Notifications } from "./notifications.js";
import { recordExitNoticeSent, unsentExitNotice } from "./exit-notice-record.js";

export class JobNotices {
  constructor(private readonly registry: JobRegistry, private readonly notifications: Notifications) {}

  /**
   * Whether this instance delivers a job's notifications: yes for its own jobs; for a job whose
   * owner died, the one live successor (notify-claim.ts). Taking over re-raises, as notify
   * events, every marker after the job's notify cursor, so what the dead holder had not handled
   * yet is neither lost nor (what it had) sent again.
   */
  claim(id: string): Promise<boolean> {
    return this.notifications.claim(this.registry.require(id));
  }

  /** A job's markers up to `position` are handled (delivered, or failed for good); see Notifications.handled. */
  handled(id: string, position: number): void {
    const job = this.registry.get(id);
    if (job) this.notifications.handled(job, position);
  }

  /** Records a delivery attempt with the job (notifications.jsonl), so failures show in get. */
  async record(id: string, entry: DeliveryRecord): Promise<void> {
    const job = this.registry.get(id);
    if (job) await this.notifications.record(job, entry);
  }

  /** An owed exit notice not yet handled: its run. Only the instance that holds the claim sends it. */
  unsentExitNotice(id: string): number | undefined {
    const job = this.registry.get(id);
    return job && unsentExitNotice(job);
  }

  /** Records run `run`'s exit notice as handled, for every instance and OpenCode restart; false if it already was. */
  recordExitNoticeSent(id: string, run: number): Promise<boolean> {
    const job = this.registry.get(id);
    return job ? recordExitNoticeSent(job, run) : Promise.resolve(false);
  }
}
