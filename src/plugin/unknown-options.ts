// Plugin options the plugin does not know (a typo such as `killGraceMS` or `tmuxsocket`) used to
// be accepted silently and the default used; now each is named, with the closest known option
// when one is close, and said through OpenCode's log and a toast. Pure, apart from `report`.
import type { PluginInput } from "@opencode-ai/plugin";

/** Options that were once read and are not any more: what to use instead. */
const RETIRED: Record<string, string> = {
  notifyCoalesceMs: "it is no longer read; notifyMinIntervalMs replaced it",
};

/** One sentence per option in `raw` that `known` does not hold; [] when all are known. */
export function unknownOptionWarnings(raw: unknown, known: readonly string[]): string[] {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return [];
  return Object.keys(raw)
    .filter((name) => !known.includes(name))
    .map((name) => {
      const retired = RETIRED[name];
      if (retired) return `opencode-bg: plugin option "${name}" is ignored: ${retired}.`;
      const close = closestName(name, known);
      return `opencode-bg: unknown plugin option "${name}" is ignored${close ? `; did you mean "${close}"? (it keeps its default)` : "."}`;
    });
}

/** A known name equal but for case, or within a few edits (about one per four characters). */
export function closestName(name: string, known: readonly string[]): string | undefined {
  const lower = name.toLowerCase();
  const sameButCase = known.find((candidate) => candidate.toLowerCase() === lower);
  if (sameButCase) return sameButCase;
  let best: { name: string; distance: number } | undefined;
  for (const candidate of known) {
    const distance = editDistance(lower, candidate.toLowerCase());
    if (distance <= Math.max(1, Math.floor(candidate.length / 4)) && (!best || distance < best.distance)) best = { name: candidate, distance };
  }
  return best?.name;
}

/** Says the warnings in OpenCode's log (level warn) and as a toast; never throws, never waits. */
export function reportOptionWarnings(client: PluginInput["client"], warnings: readonly string[]): void {
  for (const message of warnings) {
    void Promise.resolve()
      .then(() => client.app?.log?.({ body: { service: "opencode-bg", level: "warn", message } }))
      .catch(() => undefined);
    void Promise.resolve()
      .then(() => client.tui?.showToast?.({ body: { title: "opencode-bg", message, variant: "warning" } }))
      .catch(() => undefined);
  }
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}
