// Reading a job's log from the CLI (output.1.log then output.log when it rotated): where its last
// N lines start, and incremental reads that turn raw terminal bytes into clean lines (the core's
// LineSplitter) or pass them through.
import { promises as fs } from "node:fs";
import { LineSplitter } from "../core/output/line-splitter.js";
import { logExtent, readLog } from "../core/output/log-segments.js";

const CHUNK_BYTES = 256 * 1024;

/**
 * Absolute position (in the job's whole output, rotated part included) where the last `count`
 * lines begin; a final newline ends the last line.
 */
export async function lineStartFromEnd(file: string, count: number): Promise<number> {
  const { start, end, layout } = await logExtent(file);
  if (count <= 0) return end;
  const buffer = Buffer.allocUnsafe(64 * 1024);
  let seen = 0;
  for (const segment of [...layout.segments].reverse()) {
    let handle: fs.FileHandle;
    try {
      handle = await fs.open(segment.file, "r");
    } catch {
      continue;
    }
    try {
      const stat = await handle.stat();
      if (segment.ino !== undefined && stat.ino !== segment.ino) continue;
      const size = Math.min(stat.size, (segment.endByte ?? Number.POSITIVE_INFINITY) - segment.startByte);
      for (let stop = size; stop > 0; ) {
        const from = Math.max(0, stop - buffer.length);
        const { bytesRead } = await handle.read(buffer, 0, stop - from, from);
        for (let index = bytesRead - 1; index >= 0; index--) {
          const position = segment.startByte + from + index;
          if (buffer[index] !== 10 || position === end - 1) continue;
          if (++seen === count) return position + 1;
        }
        stop = from;
      }
    } finally {
      await handle.close();
    }
  }
  return start;
}

/**
 * Hands each chunk the log gained since absolute `offset` to `onChunk` (across a rotation);
 * returns the new offset, and `truncated` when bytes were skipped (emptied or rotated away).
 */
export async function readNewBytes(file: string, offset: number, onChunk: (chunk: Buffer) => Promise<void>): Promise<{ offset: number; truncated: boolean }> {
  let truncated = false;
  const position = await readLog(
    file,
    offset,
    {
      onData: (data) => onChunk(Buffer.from(data)),
      onSkip: () => {
        truncated = true;
      },
    },
    { buffer: Buffer.allocUnsafe(CHUNK_BYTES) },
  );
  return { offset: position, truncated };
}

/** Turns log bytes into what `logs` prints: clean lines (escapes stripped) or the raw bytes. */
export interface LogPrinter {
  /** Feeds bytes; returns the complete lines (clean mode) or the bytes themselves (raw mode). */
  push(chunk: Buffer): string[] | Buffer;
  /** End of input: whatever unfinished line is left (clean mode), nothing in raw mode. */
  flush(): string[];
  /** A truncated log starts over: forget any half line. */
  reset(): void;
}

/** Clean mode: the same cleaning the plugin shows models (LineSplitter). */
export function cleanPrinter(): LogPrinter {
  let splitter = new LineSplitter();
  return {
    push: (chunk) => splitter.push(chunk).lines,
    flush: () => splitter.flush(),
    reset: () => {
      splitter = new LineSplitter();
    },
  };
}

/** Raw mode: bytes exactly as tmux captured them (escapes, \r redraws, the end marker). */
export function rawPrinter(): LogPrinter {
  return { push: (chunk) => chunk, flush: () => [], reset: () => undefined };
}
