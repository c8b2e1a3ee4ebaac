// Answers an output read from the in-memory ring and, for lines it no longer holds, from the log
// file on disk: tail N, "everything since line N" with a cursor that never shifts, and an RE2
// grep that only filters what is shown. Every read is bounded in lines and in bytes decoded.
import { InvalidInputError } from "../errors.js";
import { compileGrep, type LineFilter } from "./grep.js";
import { readLogLines } from "./log-lines.js";
import type { LineRing, NumberedLine } from "./ring-buffer.js";

/** Bounds of one read: lines returned from disk, and bytes of log decoded for it. */
export const READ_LIMITS: Readonly<ReadLimits> = {
  /** Most lines one read returns from the log file (the ring part is bounded by the ring). */
  diskLines: 2000,
  /** Most bytes of log file decoded by one read. */
  diskBytes: 8 * 1024 * 1024,
};

/** Bounds for one read (tests pass smaller ones). */
export interface ReadLimits {
  diskLines: number;
  diskBytes: number;
}

/** What to read: the last `lines`, or (with `since`) at most `lines` from line `since` on. */
export interface OutputQuery {
  /** Without since: how many of the last lines (default 100). With since: most lines returned (default all kept). */
  lines?: number | undefined;
  /** Absolute line number to start at (the `next` of an earlier read). */
  since?: number | undefined;
  /** RE2 pattern: only matching lines are returned; the cursor still moves past the lines searched. */
  grep?: string | undefined;
}

/** Where a read finds the job's output. */
export interface OutputSource {
  ring: LineRing;
  pending: string;
  logPath: string;
}

/** What an output read returns. */
export interface OutputRead {
  lines: { no: number; text: string }[];
  /** Line number to pass as `since` next time to get only what is new. */
  next: number;
  /** True when lines asked for are gone from memory and from the log file. */
  dropped: boolean;
  /** The unfinished last line, e.g. a prompt waiting for input. */
  pending: string;
  /** Oldest line kept in memory; older ones are read from the log file with `since`. */
  firstKept?: number;
  /** Lines after `next` are already there: read again with since=next for the rest. */
  more?: boolean;
  /** Line range this read took from the log file on disk (older than the memory buffer). */
  fromDisk?: { first: number; last: number };
  /** With grep: the line range searched (only matching lines are in `lines`). */
  searched?: { first: number; last: number };
}

/** Runs one read; invalid `since`/`lines`/`grep` throw InvalidInputError naming the field. */
export async function readOutput(source: OutputSource, query: OutputQuery = {}, limits: ReadLimits = READ_LIMITS): Promise<OutputRead> {
  const filter = query.grep === undefined ? undefined : compileGrep(query.grep);
  if (query.since !== undefined && !Number.isFinite(query.since)) throw new InvalidInputError(`since must be a line number, got ${query.since}.`);
  if (query.lines !== undefined && Number.isNaN(query.lines)) throw new InvalidInputError("lines must be a number.");
  return query.since === undefined ? readTail(source, query.lines ?? 100, filter) : readSince(source, query.since, query.lines, filter, limits);
}

function readTail({ ring, pending }: OutputSource, lines: number, filter: LineFilter | undefined): OutputRead {
  const count = Math.max(0, Math.floor(lines));
  const base = { next: ring.last + 1, dropped: false, pending, firstKept: ring.first };
  if (!filter) return { ...base, lines: count === 0 ? [] : ring.tail(count) };
  const matches = ring.since(ring.first).lines.filter((line) => filter.test(line.text));
  return {
    ...base,
    lines: count === 0 ? [] : matches.slice(-count),
    ...(ring.length > 0 ? { searched: { first: ring.first, last: ring.last } } : {}),
  };
}

async function readSince(source: OutputSource, since: number, lines: number | undefined, filter: LineFilter | undefined, limits: ReadLimits): Promise<OutputRead> {
  const { ring, pending } = source;
  const from = Math.max(1, Math.floor(since));
  const limit = lines === undefined ? Number.POSITIVE_INFINITY : Math.max(0, Math.floor(lines));
  const out: NumberedLine[] = [];
  let cursor = from;
  let dropped = false;
  let fromDisk: { first: number; last: number } | undefined;

  if (from < ring.first && limit > 0) {
    const diskLimit = Math.min(limit, limits.diskLines);
    const result = await readLogLines(source.logPath, {
      from,
      before: ring.first,
      maxBytes: limits.diskBytes,
      visit: (text, no) => {
        if (!filter || filter.test(text)) out.push({ no, text });
        return out.length < diskLimit;
      },
    });
    if (result.next > from) fromDisk = { first: from, last: result.next - 1 };
    cursor = result.next;
    // The log no longer has lines the ring dropped (it was emptied or replaced): skip the gap.
    if (result.endOfLog && cursor < ring.first) {
      dropped = true;
      cursor = ring.first;
    }
  }

  // The ring continues the read only where the disk part left no gap.
  if (cursor >= ring.first && cursor <= ring.last && out.length < limit) {
    if (!filter) {
      const part = ring.since(cursor, limit - out.length);
      out.push(...part.lines);
      cursor = part.next;
    } else {
      for (const line of ring.since(cursor).lines) {
        cursor = line.no + 1;
        if (filter.test(line.text)) out.push(line);
        if (out.length >= limit) break;
      }
    }
  }

  return {
    lines: out,
    next: cursor,
    dropped,
    pending,
    firstKept: ring.first,
    more: cursor <= ring.last,
    ...(fromDisk ? { fromDisk } : {}),
    ...(filter && cursor > from ? { searched: { first: from, last: cursor - 1 } } : {}),
  };
}
