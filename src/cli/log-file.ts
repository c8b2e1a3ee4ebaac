// Reading a job's output.log from the CLI: where its last N lines start, and incremental reads
// that turn raw terminal bytes into clean lines (the core's LineSplitter) or pass them through.
import { promises as fs } from "node:fs";
import { LineSplitter } from "../core/line-splitter.js";

const CHUNK_BYTES = 256 * 1024;

/** Byte offset where the last `count` lines of a file begin (a final newline ends the last line). */
export async function lineStartFromEnd(file: string, count: number): Promise<number> {
  const handle = await fs.open(file, "r");
  try {
    const { size } = await handle.stat();
    if (count <= 0) return size;
    const buffer = Buffer.allocUnsafe(64 * 1024);
    let seen = 0;
    for (let end = size; end > 0; ) {
      const start = Math.max(0, end - buffer.length);
      const { bytesRead } = await handle.read(buffer, 0, end - start, start);
      for (let index = bytesRead - 1; index >= 0; index--) {
        if (buffer[index] !== 10 || start + index === size - 1) continue;
        if (++seen === count) return start + index + 1;
      }
      end = start;
    }
    return 0;
  } finally {
    await handle.close();
  }
}

/** Hands each chunk the log gained since `offset` to `onChunk`; returns the new offset. */
export async function readNewBytes(file: string, offset: number, onChunk: (chunk: Buffer) => Promise<void>): Promise<{ offset: number; truncated: boolean }> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, "r");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { offset, truncated: false };
    throw error;
  }
  try {
    const { size } = await handle.stat();
    // Someone emptied the log (`: > output.log`): start again from its beginning.
    const truncated = size < offset;
    let position = truncated ? 0 : offset;
    const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, CHUNK_BYTES, position);
      if (bytesRead === 0) break;
      position += bytesRead;
      await onChunk(Buffer.from(buffer.subarray(0, bytesRead)));
    }
    return { offset: position, truncated };
  } finally {
    await handle.close();
  }
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
