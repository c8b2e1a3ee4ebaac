// The text of a notification prompt: one marker gets a short prompt headed with its job; a
// burst becomes one list; a flood becomes a summary of the latest few. Pure.

export interface NotifyItem {
  jobId: string;
  jobName: string;
  message: string;
  /** A marker's end in the job's log (see notify-scan.ts); none for an exit notice. */
  position?: number | undefined;
}

export interface PromptLimits {
  /** Longest single message; longer ones are cut with an ellipsis. */
  maxChars: number;
  /** More items than this in one batch are summarised. */
  maxItems: number;
}

export const NOTIFY_HEADER = "[opencode-bg]";

/** Builds the prompt for a batch of notifications (`dropped` = items discarded by the queue cap). */
export function buildNotifyPrompt(items: readonly NotifyItem[], dropped: number, limits: PromptLimits): string {
  const cap = (text: string) => (text.length > limits.maxChars ? `${text.slice(0, limits.maxChars - 1)}…` : text);
  const total = items.length + dropped;
  const [only] = items;
  if (total === 1 && only) {
    return `${NOTIFY_HEADER} Notification from background process "${only.jobName}" (id ${only.jobId}):\n${cap(only.message)}`;
  }
  if (total <= limits.maxItems) {
    return [`${NOTIFY_HEADER} ${total} notifications from background processes, oldest first:`, ...items.map((item) => `- "${item.jobName}" (id ${item.jobId}): ${cap(item.message)}`)].join("\n");
  }
  const latest = items.slice(-5);
  const perJob = new Map<string, { name: string; count: number }>();
  for (const item of items) {
    const entry = perJob.get(item.jobId) ?? { name: item.jobName, count: 0 };
    entry.count++;
    perJob.set(item.jobId, entry);
  }
  const sources = [...perJob.entries()].map(([id, { name, count }]) => `"${name}" (id ${id}): ${count}`).join(", ");
  return [
    `${NOTIFY_HEADER} ${total} notifications arrived at once (${sources}${dropped ? `, ${dropped} more not kept` : ""}). The latest ${latest.length}:`,
    ...latest.map((item) => `- "${item.jobName}" (id ${item.jobId}): ${cap(item.message)}`),
    "The others are in each process's output: use getBackgroundProcess to read it.",
  ].join("\n");
}
