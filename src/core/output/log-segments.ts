// A job's output as ONE byte stream although capped logs rotate: output.1.log (the older,
// complete part) then output.log (live). log-index.json, written by the rotation script, says
// where each file starts in the whole stream (bytes and newlines), so readers keep absolute
// positions and line numbers across rotations. Without an index nothing ever rotated: the whole
// stream is output.log from byte 0. See log-cap.ts for the writer's side,
// log-positions.ts for finding line starts in it.
import { promises as fs } from "node:fs";
import path from "node:path";
import { z } from "zod";

/** The rotated (older) part of the log, next to output.log. */
export const PREVIOUS_LOG_NAME = "output.1.log";
/** Where each log file starts in the whole output; rewritten at every rotation. */
export const LOG_INDEX_NAME = "log-index.json";

const SegmentStartSchema = z.object({
  /** Absolute position of the file's first byte in the job's whole output. */
  startByte: z.number().int().min(0),
  /** Newline bytes before it: the file's first line is line startLine + 1. */
  startLine: z.number().int().min(0),
  /** The file's inode, so a reader can tell a renamed or replaced file. */
  ino: z.number().int().optional(),
});

/** log-index.json: where output.log (current) and output.1.log (previous) start. */
export const LogIndexSchema = z.object({
  version: z.literal(1),
  current: SegmentStartSchema,
  previous: SegmentStartSchema.optional(),
});
/** A parsed log-index.json. */
export type LogIndex = z.infer<typeof LogIndexSchema>;

/** One file of the stream and the absolute range it holds. */
export interface LogSegment {
  file: string;
  startByte: number;
  startLine: number;
  /** The inode the file must have; undefined when any will do (the live file before any rotation). */
  ino?: number | undefined;
  /** Absolute end of a complete (rotated) segment; undefined for the live file, which grows. */
  endByte?: number | undefined;
}

/** The files to read, oldest first. `switching`: a rotation is half done; newer data follows once the index is rewritten. */
export interface LogLayout {
  segments: LogSegment[];
  switching: boolean;
}

/** Path of the rotated part for a job's output.log. */
export function previousLogPath(logPath: string): string {
  return path.join(path.dirname(logPath), PREVIOUS_LOG_NAME);
}

/** Path of the index for a job's output.log. */
export function logIndexPath(logPath: string): string {
  return path.join(path.dirname(logPath), LOG_INDEX_NAME);
}

/**
 * Which files hold the stream right now. The rotation script writes the index BEFORE it moves
 * output.log and again after, so reading the index on both sides of a stat of output.log and
 * retrying until both reads agree gives a consistent picture.
 */
export async function resolveLogLayout(logPath: string): Promise<LogLayout> {
  const indexPath = logIndexPath(logPath);
  let text = await readText(indexPath);
  let live = await statOf(logPath);
  for (let attempt = 0; attempt < 5; attempt++) {
    const again = await readText(indexPath);
    if (again === text) break;
    text = again;
    live = await statOf(logPath);
  }
  const index = parseIndex(text);
  const current = index?.current ?? { startByte: 0, startLine: 0 };
  const previousFile = previousLogPath(logPath);
  if (current.ino === undefined || !live || live.ino === current.ino) {
    const segments: LogSegment[] = [];
    if (index?.previous) segments.push({ file: previousFile, ...index.previous, endByte: current.startByte });
    segments.push({ file: logPath, startByte: current.startByte, startLine: current.startLine, ino: live?.ino });
    return { segments, switching: false };
  }
  // output.log is already the new file but the index still describes the old one: mid-rotation,
  // the old file is output.1.log now and complete (its writer exited before the rotation began).
  const previous = await statOf(previousFile);
  if (previous?.ino === current.ino) {
    return { segments: [{ file: previousFile, startByte: current.startByte, startLine: current.startLine, ino: current.ino, endByte: current.startByte + previous.size }], switching: true };
  }
  // output.log was replaced some other way (deleted and made again): it continues the stream.
  return { segments: [{ file: logPath, startByte: current.startByte, startLine: current.startLine, ino: live.ino }], switching: false };
}

/** Handlers of readLog: data in order, and jumps when bytes are gone. */
export interface LogReadHandlers {
  /** Bytes of the stream from absolute `position` on. The buffer is reused after the promise settles. */
  onData(data: Buffer, position: number): void | Promise<void>;
  /**
   * The next data starts at `position`, which is not where the reader was: "dropped" when the
   * bytes in between were rotated away (line numbers continue at startLine + 1), "truncated"
   * when someone emptied the live file (the reader starts over at its beginning).
   */
  onSkip?(position: number, startLine: number, reason: "dropped" | "truncated"): void | Promise<void>;
}

/** Buffer and early stop for readLog. */
export interface LogReadOptions {
  /** Read buffer (also the chunk size); 64 KiB by default. */
  buffer?: Buffer;
  /** Checked between chunks: stop early (e.g. the reader was closed). */
  stop?: () => boolean;
}

/** Reads the stream from absolute `from` to its current end, across rotated files; returns the new position. */
export async function readLog(logPath: string, from: number, handlers: LogReadHandlers, options: LogReadOptions = {}): Promise<number> {
  const buffer = options.buffer ?? Buffer.allocUnsafe(64 * 1024);
  let position = from;
  // A rotation between resolving and reading shows as a changed inode: resolve again, a few times.
  for (let pass = 0; pass < 8; pass++) {
    const { segments } = await resolveLogLayout(logPath);
    let changed = false;
    for (const segment of segments) {
      if (options.stop?.()) return position;
      if (segment.endByte !== undefined && position >= segment.endByte) continue;
      if (position < segment.startByte) {
        position = segment.startByte;
        await handlers.onSkip?.(position, segment.startLine, "dropped");
      }
      const result = await readSegment(segment, position, handlers, buffer, options.stop);
      if (result === "changed") {
        changed = true;
        break;
      }
      if (result === "truncated") {
        position = segment.startByte;
        await handlers.onSkip?.(position, segment.startLine, "truncated");
        changed = true;
        break;
      }
      position = result;
    }
    if (!changed) return position;
  }
  return position;
}

/** Reads one file from absolute `position`; "changed" if it is no longer the expected inode. */
async function readSegment(
  segment: LogSegment,
  position: number,
  handlers: LogReadHandlers,
  buffer: Buffer,
  stop: (() => boolean) | undefined,
): Promise<number | "changed" | "truncated"> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(segment.file, "r");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return segment.endByte === undefined ? position : "changed";
    throw error;
  }
  try {
    const stat = await handle.stat();
    if (segment.ino !== undefined && stat.ino !== segment.ino) return "changed";
    let offset = position - segment.startByte;
    if (offset > stat.size) return segment.endByte === undefined ? "truncated" : segment.endByte;
    const end = segment.endByte === undefined ? Number.POSITIVE_INFINITY : segment.endByte - segment.startByte;
    while (offset < end && !stop?.()) {
      const want = Math.min(buffer.length, end - offset);
      const { bytesRead } = await handle.read(buffer, 0, want, offset);
      if (bytesRead === 0) break;
      await handlers.onData(buffer.subarray(0, bytesRead), segment.startByte + offset);
      offset += bytesRead;
    }
    return segment.startByte + offset;
  } finally {
    await handle.close();
  }
}

/** Absolute end of the stream and where it begins (older bytes were rotated away). */
export async function logExtent(logPath: string): Promise<{ start: number; end: number; layout: LogLayout }> {
  const layout = await resolveLogLayout(logPath);
  const first = layout.segments[0];
  const last = layout.segments.at(-1);
  if (!first || !last) return { start: 0, end: 0, layout };
  const end = last.endByte ?? last.startByte + ((await statOf(last.file))?.size ?? 0);
  return { start: first.startByte, end, layout };
}

/** Bytes the job's log files take on disk (a file linked under two names counts once). */
export async function logDiskBytes(logPath: string): Promise<number> {
  const seen = new Set<number>();
  let total = 0;
  for (const file of [logPath, previousLogPath(logPath)]) {
    const stat = await statOf(file);
    if (!stat || seen.has(stat.ino)) continue;
    seen.add(stat.ino);
    total += stat.size;
  }
  return total;
}

function parseIndex(text: string | undefined): LogIndex | undefined {
  if (!text) return undefined;
  try {
    const parsed = LogIndexSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

async function readText(file: string): Promise<string | undefined> {
  try {
    return await fs.readFile(file, "utf8");
  } catch {
    return undefined;
  }
}

async function statOf(file: string): Promise<{ ino: number; size: number } | undefined> {
  try {
    const stat = await fs.stat(file);
    return { ino: stat.ino, size: stat.size };
  } catch {
    return undefined;
  }
}
