// An output line that means something to the job's session: an OPENCODE_NOTIFY marker, a line
// matching a watch, the line that makes the job ready. Shared by the tailer (live lines) and the
// notify take-over's re-scan (lines re-read from the log), which must decide alike.
import { parseNotifyLine } from "./notify.js";

/** What a detector may ask about a line besides its text (computed only when needed). */
export interface LineContext {
  /** The n lines before this one (fewer at the start), oldest first. */
  before(n: number): string[];
  /** Absolute offset just past the line in the job's output (its identity between instances). */
  end(): number;
  /** The line's number, when known (the tailer knows it, a re-scan does not). */
  lineNo?: number | undefined;
}

export type LineEventKind = "marker" | "watch" | "ready";

/** `message` is quoted (process output), `title` says what happened in our words. */
export interface LineEvent {
  kind: LineEventKind;
  message: string;
  title?: string | undefined;
}

export type LineDetector = (line: string, context: LineContext) => LineEvent | undefined;

/** The default: OPENCODE_NOTIFY markers only. */
export const markersOnly: LineDetector = (line) => {
  const message = parseNotifyLine(line);
  return message === undefined ? undefined : { kind: "marker", message };
};
