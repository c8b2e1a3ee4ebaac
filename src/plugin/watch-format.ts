// How a job's watches read in tool results: detail lines for get/create, a short mark for list.
import type { WatchView } from "../core/notify/job-watches.js";

const MATCH_CHARS = 200;
const clip = (text: string) => (text.length > MATCH_CHARS ? `${text.slice(0, MATCH_CHARS - 1)}…` : text);

/** "watch: errors, /panic/" / "last match: <time> <line>" / "ready: port 3000, seen <time>". */
export function formatWatchLines(view: WatchView | undefined): string[] {
  if (!view) return [];
  const lines: string[] = [];
  if (view.watches.length) lines.push(`watch: ${view.watches.map((item) => JSON.stringify(item)).join(", ")}`);
  if (view.lastMatch) lines.push(`last match (${view.matches} so far): ${new Date(view.lastMatch.at).toISOString()} ${clip(view.lastMatch.line)}`);
  if (view.ready) {
    const seen = view.ready.firedAt === undefined ? "not yet, will message this session" : `${new Date(view.ready.firedAt).toISOString()}${view.ready.line ? ` ${clip(view.ready.line)}` : ""}`;
    lines.push(`notify when ready: ${view.ready.condition}; ready: ${seen}`);
  }
  return lines;
}

/** " watch=2 ready=no" for list (nothing for a job that watches nothing). */
export function watchMark(view: WatchView | undefined): string {
  if (!view) return "";
  const watch = view.watches.length ? ` watch=${view.watches.length}` : "";
  const ready = view.ready ? ` ready=${view.ready.firedAt === undefined ? "no" : "yes"}` : "";
  return `${watch}${ready}`;
}
