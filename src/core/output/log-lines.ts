// Reads numbered clean lines straight from a job's output.log, for output older than the
// in-memory ring. Numbers match the tailer's (one line per newline byte, plus the line the exit
// marker ends), and every read is bounded in bytes so a huge log cannot stall the plugin.
import { LineSplitter } from "./line-splitter.js";
import { positionOfLine } from "./log-positions.js";
import { readLog } from "./log-segments.js";

const CHUNK_BYTES = 64 * 1024;

/** What readLogLines did: where to continue, and why it stopped. */
export interface LogLinesResult {
  /** Number of the first line not visited: the cursor to continue from. */
  next: number;
  /** Stopped because the log has no more complete lines (or fewer than `from`). */
  endOfLog: boolean;
  /** Stopped because `maxBytes` were decoded; lines from `next` on were not looked at. */
  byteLimit: boolean;
}

/** Which lines to visit and the byte bound of one read. */
export interface LogLinesOptions {
  /** First line number to visit (1 = the log's first line). */
  from: number;
  /** Stop before this line number (e.g. the oldest line the ring still holds). */
  before: number;
  /** Most bytes decoded after the start of line `from`. */
  maxBytes: number;
  /** Called for each line in order; return false to stop after it. */
  visit: (text: string, no: number) => boolean;
}

/** Visits lines [from, before) of a raw log (its rotated part too), decoding them like the tailer does. */
export async function readLogLines(file: string, options: LogLinesOptions): Promise<LogLinesResult> {
  const from = Math.max(1, Math.floor(options.from));
  // Absolute positions and line numbers across a log rotation: output.1.log, then output.log.
  const start = await positionOfLine(file, from);
  if (start === undefined) return { next: from, endOfLog: true, byteLimit: false };
  const splitter = new LineSplitter();
  let no = from;
  let position = start;
  let result: LogLinesResult | undefined;
  const stopped = (): LogLinesResult | undefined => {
    if (no >= options.before) return { next: no, endOfLog: false, byteLimit: false };
    if (position - start >= options.maxBytes) return { next: no, endOfLog: false, byteLimit: true };
    return undefined;
  };
  await readLog(
    file,
    start,
    {
      onData: (data, at) => {
        result ??= stopped();
        if (result) return;
        position = at + data.length;
        const { lines, exitMarker } = splitter.push(data);
        if (exitMarker !== undefined) lines.push(...splitter.flush());
        for (const line of lines) {
          if (no >= options.before) {
            result = { next: no, endOfLog: false, byteLimit: false };
            return;
          }
          const keepGoing = options.visit(line, no);
          no++;
          if (!keepGoing) {
            result = { next: no, endOfLog: false, byteLimit: false };
            return;
          }
        }
      },
      // The rest was rotated away while reading: the lines read so far stand.
      onSkip: () => {
        result ??= { next: no, endOfLog: true, byteLimit: false };
      },
    },
    { buffer: Buffer.allocUnsafe(CHUNK_BYTES), stop: () => result !== undefined },
  );
  return result ?? stopped() ?? { next: no, endOfLog: true, byteLimit: false };
}
