// Where each notify marker ends in a job's log (absolute byte offset past its newline), and a
// re-read of a range of the log for markers. The offset is a marker's identity between
// instances: notify-cursor holds the end of the last marker handled, and a successor re-raises
// every marker after it.
import { LineSplitter } from "../output/line-splitter.js";
import { readLog } from "../output/log-segments.js";
import { parseNotifyLine } from "./notify.js";

export interface NotifyMarker {
  message: string;
  /** Absolute offset just past the marker's line in the job's output. */
  end: number;
}

/**
 * The end offset of each of the `count` lines one chunk completed: the n-th line ends at the
 * chunk's n-th newline byte. Lines beyond the newlines (the unterminated last line flushed by the
 * wrapper's exit marker) end where the chunk ends.
 */
export function lineEnds(chunk: Uint8Array, start: number, count: number): number[] {
  const ends: number[] = [];
  for (let at = chunk.indexOf(0x0a); at !== -1 && ends.length < count; at = chunk.indexOf(0x0a, at + 1)) ends.push(start + at + 1);
  while (ends.length < count) ends.push(start + chunk.length);
  return ends;
}

/** Markers whose lines end after `from` and at or before `to`; `from` must be a line start. */
export async function scanNotifyMarkers(logPath: string, from: number, to: number): Promise<NotifyMarker[]> {
  const markers: NotifyMarker[] = [];
  if (to <= from) return markers;
  let splitter = new LineSplitter();
  let reached = false;
  await readLog(
    logPath,
    from,
    {
      onData: (data, at) => {
        reached = at + data.length >= to;
        const { lines, exitMarker } = splitter.push(data);
        if (exitMarker !== undefined) lines.push(...splitter.flush());
        let ends: number[] | undefined;
        lines.forEach((line, index) => {
          const message = parseNotifyLine(line);
          if (message === undefined) return;
          ends ??= lineEnds(data, at, lines.length);
          const end = ends[index] ?? at + data.length;
          if (end > from && end <= to) markers.push({ message, end });
        });
      },
      onSkip: () => {
        splitter = new LineSplitter();
      },
    },
    { stop: () => reached },
  );
  return markers;
}
