// Where each notify marker ends in a job's log (absolute byte offset past its newline), and a
// re-read of a range of the log for markers. The offset is a marker's identity between
// instances: notify-cursor holds the end of the last marker handled, and a successor re-raises
// every marker after it.
import { LineSplitter } from "../output/line-splitter.js";
import { readLog } from "../output/log-segments.js";
import { markersOnly, type LineDetector, type LineEvent } from "./line-event.js";

export interface NotifyMarker {
  message: string;
  /** Absolute offset just past the marker's line in the job's output. */
  end: number;
  /** What the line is, when not a plain marker (a watch match, readiness). */
  event?: LineEvent;
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

const RECENT_LINES = 10;

/** Markers (and other events `detect` finds: watch matches, readiness) whose lines end after `from` and at or before `to`; `from` must be a line start. */
export async function scanNotifyMarkers(logPath: string, from: number, to: number, detect: LineDetector = markersOnly): Promise<NotifyMarker[]> {
  const markers: NotifyMarker[] = [];
  if (to <= from) return markers;
  let splitter = new LineSplitter();
  let reached = false;
  // The lines before each one, for a watch match's context.
  const recent: string[] = [];
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
          const endOf = () => (ends ??= lineEnds(data, at, lines.length))[index] ?? at + data.length;
          const event = detect(line, { before: (n) => recent.slice(-n), end: endOf });
          recent.push(line);
          if (recent.length > RECENT_LINES) recent.shift();
          if (event === undefined) return;
          const end = endOf();
          // A marker stays { message, end }; other events carry what they are.
          if (end > from && end <= to) markers.push(event.kind === "marker" ? { message: event.message, end } : { message: event.message, end, event });
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
