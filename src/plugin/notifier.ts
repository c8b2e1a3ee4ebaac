// Delivery of OPENCODE_NOTIFY messages to chat sessions: one queue per session so prompts
// arrive in order, a short window that coalesces bursts, a cap that turns a flood into a
// summary. A failed delivery is reported to `onResult`, never thrown: the process keeps running.
import { buildNotifyPrompt, type NotifyItem, type PromptLimits } from "./notify-prompt.js";

export interface DeliveryResult {
  sessionId: string;
  items: readonly NotifyItem[];
  delivered: boolean;
  error?: string;
}

export interface NotifierOptions {
  /** Sends one prompt to a session; throws when it could not. */
  deliver: (sessionId: string, text: string) => Promise<void>;
  onResult?: (result: DeliveryResult) => void;
  coalesceMs: number;
  limits: PromptLimits;
  /** Items kept per session while a delivery is in flight; older ones are counted, not kept. */
  maxQueued?: number;
}

interface SessionQueue {
  items: NotifyItem[];
  dropped: number;
  timer: NodeJS.Timeout | undefined;
  sending: Promise<void> | undefined;
}

export class Notifier {
  private readonly queues = new Map<string, SessionQueue>();
  private closed = false;

  constructor(private readonly options: NotifierOptions) {}

  /** Queues a message for a session; it goes out after the coalescing window. */
  enqueue(sessionId: string, item: NotifyItem): void {
    if (this.closed) return;
    const queue = this.queueFor(sessionId);
    queue.items.push(item);
    const max = this.options.maxQueued ?? 1000;
    if (queue.items.length > max) {
      queue.dropped += queue.items.length - max;
      queue.items.splice(0, queue.items.length - max);
    }
    if (!queue.timer && !queue.sending) {
      queue.timer = setTimeout(() => this.flush(sessionId), this.options.coalesceMs);
    }
  }

  /** Resolves when everything queued so far has been sent (or has failed). */
  async drain(): Promise<void> {
    for (;;) {
      const pending = [...this.queues.entries()].filter(([, queue]) => queue.items.length > 0 || queue.sending);
      if (pending.length === 0) return;
      for (const [sessionId, queue] of pending) {
        if (queue.timer) {
          clearTimeout(queue.timer);
          queue.timer = undefined;
          this.flush(sessionId);
        }
      }
      await Promise.all(pending.map(([, queue]) => queue.sending));
    }
  }

  close(): void {
    this.closed = true;
    for (const queue of this.queues.values()) if (queue.timer) clearTimeout(queue.timer);
    this.queues.clear();
  }

  private queueFor(sessionId: string): SessionQueue {
    let queue = this.queues.get(sessionId);
    if (!queue) {
      queue = { items: [], dropped: 0, timer: undefined, sending: undefined };
      this.queues.set(sessionId, queue);
    }
    return queue;
  }

  private flush(sessionId: string): void {
    const queue = this.queues.get(sessionId);
    if (!queue || queue.sending) return;
    queue.timer = undefined;
    if (queue.items.length === 0) return;
    const items = queue.items;
    const dropped = queue.dropped;
    queue.items = [];
    queue.dropped = 0;
    queue.sending = this.send(sessionId, items, dropped).finally(() => {
      queue.sending = undefined;
      // What arrived during the send goes out next, still in order.
      if (queue.items.length > 0 && !this.closed) queue.timer = setTimeout(() => this.flush(sessionId), this.options.coalesceMs);
      else if (queue.items.length === 0) this.queues.delete(sessionId);
    });
  }

  private async send(sessionId: string, items: NotifyItem[], dropped: number): Promise<void> {
    const text = buildNotifyPrompt(items, dropped, this.options.limits);
    try {
      await this.options.deliver(sessionId, text);
      this.options.onResult?.({ sessionId, items, delivered: true });
    } catch (error) {
      this.options.onResult?.({ sessionId, items, delivered: false, error: error instanceof Error ? error.message : String(error) });
    }
  }
}
