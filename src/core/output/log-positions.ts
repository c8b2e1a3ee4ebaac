// Where lines start in a job's whole output stream (see log-segments.ts): from a byte position
// (a reader that loads only the tail still numbers lines absolutely) and from a line number
// (reads of older lines from disk). Newlines are counted without decoding.
import { promises as fs } from "node:fs";
import { logExtent, resolveLogLayout, type LogSegment } from "./log-segments.js";

/**
 * The first line start at or after absolute `position` (the stream's first kept byte counts as
 * one), and the number of newlines before it, so a reader that loads only the tail of the log
 * still numbers lines absolutely.
 */
export async function lineStartAtOrAfter(logPath: string, position: number): Promise<{ position: number; linesBefore: number }> {
  const { layout } = await logExtent(logPath);
  const segments = layout.segments;
  const index = findSegment(segments, position);
  const segment = segments[index];
  if (!segment) return { position: 0, linesBefore: 0 };
  const target = Math.max(position, segment.startByte);
  if (target === segment.startByte) return { position: target, linesBefore: segment.startLine };
  const found = await lineStartInFile(segment.file, target - segment.startByte);
  if (found.found) return { position: segment.startByte + found.offset, linesBefore: segment.startLine + found.linesBefore };
  // No line starts in the rest of this file: the next file's start, or the end of the stream.
  const next = segments[index + 1];
  if (next) return { position: next.startByte, linesBefore: next.startLine };
  return { position: segment.startByte + found.offset, linesBefore: segment.startLine + found.linesBefore };
}

/** The segment holding `position`: the last one starting at or before it (or the first one). */
function findSegment(segments: readonly LogSegment[], position: number): number {
  let found = 0;
  segments.forEach((segment, index) => {
    if (segment.startByte <= position) found = index;
  });
  return found;
}

/**
 * The first line start at or after `offset` in one file and the newlines before it, counted
 * without decoding; when none, found is false and offset/linesBefore describe the file's end.
 */
async function lineStartInFile(file: string, offset: number): Promise<{ found: boolean; offset: number; linesBefore: number }> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, "r");
  } catch {
    return { found: false, offset: 0, linesBefore: 0 };
  }
  try {
    const buffer = Buffer.allocUnsafe(1024 * 1024);
    let linesBefore = 0;
    for (let cursor = 0; ; ) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, cursor);
      if (bytesRead === 0) return { found: false, offset: cursor, linesBefore };
      for (let index = buffer.indexOf(10); index !== -1 && index < bytesRead; index = buffer.indexOf(10, index + 1)) {
        linesBefore++;
        const lineStart = cursor + index + 1;
        if (lineStart >= offset) return { found: true, offset: lineStart, linesBefore };
      }
      cursor += bytesRead;
    }
  } finally {
    await handle.close();
  }
}

/**
 * Absolute position where line `lineNo` starts (after lineNo - 1 newlines of the whole output);
 * undefined when that line was rotated away or the log does not have it yet.
 */
export async function positionOfLine(logPath: string, lineNo: number): Promise<number | undefined> {
  const { segments } = await resolveLogLayout(logPath);
  const newlines = Math.max(0, Math.floor(lineNo) - 1);
  let index = -1;
  segments.forEach((segment, at) => {
    if (segment.startLine <= newlines) index = at;
  });
  const segment = segments[index];
  if (!segment) return undefined;
  if (newlines === segment.startLine) return segment.startByte;
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(segment.file, "r");
  } catch {
    return undefined;
  }
  try {
    const buffer = Buffer.allocUnsafe(64 * 1024);
    let remaining = newlines - segment.startLine;
    const end = segment.endByte === undefined ? Number.POSITIVE_INFINITY : segment.endByte - segment.startByte;
    for (let cursor = 0; cursor < end; ) {
      const { bytesRead } = await handle.read(buffer, 0, Math.min(buffer.length, end - cursor), cursor);
      if (bytesRead === 0) return undefined;
      for (let at = buffer.indexOf(10); at !== -1 && at < bytesRead; at = buffer.indexOf(10, at + 1)) {
        if (--remaining === 0) return segment.startByte + cursor + at + 1;
      }
      cursor += bytesRead;
    }
    return undefined;
  } finally {
    await handle.close();
  }
}
