// The output block of a read as text a model acts on: the lines, the cursor for the next read
// (always shown), and short notes when lines came from disk, more follow, or grep filtered them.
import type { OutputRead } from "../core/manager.js";
import { truncate } from "../text/truncate.js";

/** What the caller asked for, so the notes can say what to do next. */
export interface ReadRequest {
  lines: number;
  since?: number | undefined;
  grep?: string | undefined;
}

/** Header, lines, the unfinished last line, and notes; `next read since=N` is always there. */
export function formatRead(read: OutputRead, request: ReadRequest): string[] {
  const { lines, pending, next } = read;
  const grep = request.grep === undefined ? "" : ` matching ${JSON.stringify(truncate(request.grep, 100))}`;
  const searched = read.searched ? ` in lines ${read.searched.first}-${read.searched.last}` : "";
  const first = lines[0]?.no;
  const last = lines.at(-1)?.no;
  let header: string;
  if (first !== undefined) {
    const range = grep ? `${lines.length} found${searched || ` in lines kept`}` : `lines ${first}-${last}`;
    header = `output${grep} (${range}, next read since=${next}):`;
  } else if (grep) {
    header = `output: no line${grep}${searched || " yet"} (next read since=${next})`;
  } else if (request.since !== undefined) {
    header = `output: nothing new since line ${Math.max(1, Math.floor(request.since))} (next read since=${next})`;
  } else {
    header = pending ? `output (next read since=${next}):` : `output: (none yet, next read since=${next})`;
  }
  const notes: string[] = [];
  if (read.fromDisk) {
    notes.push(`(lines ${read.fromDisk.first}-${read.fromDisk.last} were read from the log file on disk: memory keeps lines from ${read.firstKept ?? "?"} on)`);
  }
  if (read.dropped) notes.push("(some lines asked for are no longer in memory or in the log file)");
  if (read.more) notes.push(`(more output follows: read again with since=${next})`);
  const olderOnDisk = request.since === undefined && (read.firstKept ?? 1) > 1 && (grep !== "" || lines.length < request.lines);
  if (olderOnDisk) {
    notes.push(grep
      ? `(searched the lines kept in memory, from ${read.firstKept}; since=1 also searches older output in the log file)`
      : `(lines before ${read.firstKept} are not in memory: since=1 reads them from the log file)`);
  }
  return [header, ...lines.map((line) => line.text), ...(pending ? [`${pending}  <- no newline yet (waiting for input?)`] : []), ...notes];
}
