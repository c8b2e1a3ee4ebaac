// The exit notice: the one prompt a session gets when a process it started with notifyOnExit
// ends by itself. Who gets one, and its text. Pure.
import { TERMINAL_STATUSES } from "../core/job/job-files.js";
import type { JobView } from "../core/job/job.js";
import type { OutputRead } from "../core/manager.js";
import { formatDuration, runtimeOf } from "../text/duration.js";
import { formatStatus } from "../text/status.js";
import { truncate } from "../text/truncate.js";

/** Output lines an exit notice quotes, at most. */
export const EXIT_NOTICE_LINES = 10;
const LINE_CHARS = 300;

/**
 * A notice is due when the job's end says its session is owed one: it asked for one, has a
 * session, ended by itself (completed, failed, Ctrl-C or its window closed by hand) and its
 * restart policy does not run it again (core/end/outcome.ts owesExitNotice, recorded in
 * outcome.json by whoever saw the end). Never for a kill through the tools, the CLI, or
 * session/OpenCode cleanup.
 */
export function exitNoticeDue(job: JobView): boolean {
  return job.exitNoticeOwed && job.sessionId !== undefined && TERMINAL_STATUSES.includes(job.status);
}

/**
 * Status with the exit code named once, runtime, on failure the next call to make, and the last
 * lines, cut to `maxChars` by dropping the oldest lines first. The prompt's frame already says the
 * process ended by itself and names it.
 */
export function buildExitNotice(job: JobView, tail: OutputRead, maxChars: number, now = Date.now()): string {
  const status = formatStatus(job);
  // formatStatus says "exit 0" / "exited with code 2"; a code it leaves out (Ctrl-C: 130) is added.
  const named = job.exitCode === undefined || new RegExp(`\\b(?:code|exit) ${job.exitCode}\\b`).test(status);
  const head = [`${status}${named ? "" : `, exit code ${job.exitCode}${job.signal ? ` (${job.signal})` : ""}`}, after ${formatDuration(runtimeOf(job, now))}`];
  if (job.status === "failed") head.push(`next: ${nextCallAfterFailure(job.id)} searches its whole log for errors`);
  const lines = tail.lines.slice(-EXIT_NOTICE_LINES).map((line) => ({ no: line.no, text: truncate(line.text, LINE_CHARS) }));
  if (tail.pending) lines.push({ no: tail.next, text: truncate(tail.pending, LINE_CHARS) });
  const render = (kept: typeof lines) => {
    if (kept.length === 0) return [...head, "output: (none)"].join("\n");
    const range = kept.length === 1 ? `line ${kept[0]?.no}` : `lines ${kept[0]?.no}-${kept.at(-1)?.no}`;
    return [...head, `last output (${range}):`, ...kept.map((line) => line.text)].join("\n");
  };
  let kept = lines;
  let text = render(kept);
  while (text.length > maxChars && kept.length > 1) {
    kept = kept.slice(1);
    text = render(kept);
  }
  return text.length > maxChars ? truncate(text, maxChars) : text;
}

/** The getBackgroundProcess call that finds a failure's errors (its real argument names). */
export function nextCallAfterFailure(id: string): string {
  return `getBackgroundProcess ${JSON.stringify({ processId: id, since: 1, grep: "(?i)error|fail" })}`;
}
