// Delivery of OPENCODE_NOTIFY messages to chat sessions: one queue per session so prompts
// arrive in order, and a cost guard, because every prompt is a model turn the user pays for.
// A quiet session's first message goes out at once (no waiting window); after a prompt, the
// next waits until the rate limits allow it (at most one per minIntervalMs, at most
// maxPerMinute in any 60 s), and everything that arrived meanwhile goes in that one prompt,
// summarised with counts when there is a lot. A failed delivery is reported to `onResult`,
// never thrown: the process keeps running.
import { buildNotifyPrompt, type NotifyItem, type NotifyPrompt, type PromptLimits } from "./notify-prompt.js";

export interface DeliveryResult {
  sessionId: string;
  items: readonly NotifyItem[];
  delivered: boolean;
  error?: string;
}

export interface RateLimits {
  /** Least time between two prompts to one session. */
  minIntervalMs: number;
  /** Most prompts to one session in any 60 seconds. */
  maxPerMinute: number;
  /** The "minute" of maxPerMinute; 60 s unless a test shortens it. */
  windowMs?: number;
}

/** Time and timers, replaceable by a fake clock in tests. */
export interface NotifierClock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: NotifierClock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => {
    const timer = setTimeout(callback, ms);
    // A pending prompt must not keep a process alive on its own (dispose drains it).
    timer.unref?.();
    return timer;
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export interface NotifierOptions {
  /** Sends one prompt (made of `items`) to a session; throws when it could not. */
  deliver: (sessionId: string, prompt: NotifyPrompt, items: readonly NotifyItem[]) => Promise<void>;
  onResult?: (result: DeliveryResult) => void;
  limits: PromptLimits;
  rate: RateLimits;
  /** Items kept per session while a prompt waits; older ones are counted, not kept. */
  maxQueued?: number;
  clock?: NotifierClock;
}

const MINUTE_MS = 60_000;

/**
 * The earliest time the next prompt may go, given when the previous ones went (oldest first).
 * Pure: the whole cost guard is this function.
 */
export function nextPromptAt(sentAt: readonly number[], now: number, rate: RateLimits): number {
  let at = now;
  const last = sentAt.at(-1);
  if (last !== undefined) at = Math.max(at, last + rate.minIntervalMs);
  // The prompt maxPerMinute back must be a minute old.
  const limiting = sentAt.length >= rate.maxPerMinute ? sentAt[sentAt.length - rate.maxPerMinute] : undefined;
  if (limiting !== undefined) at = Math.max(at, limiting + (rate.windowMs ?? MINUTE_MS));
  return at;
}

interface SessionQueue {
  items: NotifyItem[];
  dropped: number;
  timer: unknown;
  sending: Promise<void> | undefined;
  /** When this session's recent prompts went, oldest first (only what the limits look at). */
  sentAt: number[];
}

export class Notifier {
  private readonly queues = new Map<string, SessionQueue>();
  private readonly clock: NotifierClock;
  private closed = false;

  constructor(private readonly options: NotifierOptions) {
    this.clock = options.clock ?? systemClock;
  }

  /** Queues a message for a session: sent at once if the session is quiet, else with the next prompt. */
  enqueue(sessionId: string, item: NotifyItem): void {
    if (this.closed) return;
    const queue = this.queueFor(sessionId);
    queue.items.push(item);
    const max = this.options.maxQueued ?? 1000;
    if (queue.items.length > max) {
      queue.dropped += queue.items.length - max;
      queue.items.splice(0, queue.items.length - max);
    }
    this.schedule(sessionId, queue);
  }

  /** Sends everything queued now, whatever the limits (OpenCode is exiting), and waits for it. */
  async drain(): Promise<void> {
    for (;;) {
      const pending = [...this.queues.entries()].filter(([, queue]) => queue.items.length > 0 || queue.sending);
      if (pending.length === 0) return;
      for (const [sessionId, queue] of pending) {
        if (queue.timer !== undefined) this.clock.clearTimeout(queue.timer);
        queue.timer = undefined;
        this.flush(sessionId);
      }
      await Promise.all(pending.map(([, queue]) => queue.sending));
    }
  }

  close(): void {
    this.closed = true;
    for (const queue of this.queues.values()) if (queue.timer !== undefined) this.clock.clearTimeout(queue.timer);
    this.queues.clear();
  }

  private queueFor(sessionId: string): SessionQueue {
    let queue = this.queues.get(sessionId);
    if (!queue) {
      queue = { items: [], dropped: 0, timer: undefined, sending: undefined, sentAt: [] };
      this.queues.set(sessionId, queue);
    }
    return queue;
  }

  /** Sends now if the limits allow, else sets one timer for when they do. */
  private schedule(sessionId: string, queue: SessionQueue): void {
    if (queue.timer !== undefined || queue.sending || queue.items.length === 0 || this.closed) return;
    const now = this.clock.now();
    const at = nextPromptAt(queue.sentAt, now, this.options.rate);
    if (at <= now) this.flush(sessionId);
    else queue.timer = this.clock.setTimeout(() => this.flush(sessionId), at - now);
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
    const now = this.clock.now();
    queue.sentAt.push(now);
    const keep = Math.max(1, this.options.rate.maxPerMinute);
    if (queue.sentAt.length > keep) queue.sentAt.splice(0, queue.sentAt.length - keep);
    queue.sending = this.send(sessionId, items, dropped).finally(() => {
      queue.sending = undefined;
      // What arrived during the send goes out next, still in order, when the limits allow.
      this.schedule(sessionId, queue);
    });
  }

  private async send(sessionId: string, items: NotifyItem[], dropped: number): Promise<void> {
    const prompt = buildNotifyPrompt(items, dropped, this.options.limits);
    try {
      await this.options.deliver(sessionId, prompt, items);
      this.options.onResult?.({ sessionId, items, delivered: true });
    } catch (error) {
      this.options.onResult?.({ sessionId, items, delivered: false, error: error instanceof Error ? error.message : String(error) });
    }
  }
}
