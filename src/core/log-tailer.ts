// Follows one job's output.log: reads what is new since the last read (chokidar says when),
// turns raw terminal bytes into clean lines in a bounded ring, and reports notify markers and
// the wrapper's end marker. Memory stays flat however much the job prints.
import { promises as fs } from "node:fs";
import { LineSplitter } from "./line-splitter.js";
import { LineRing } from "./ring-buffer.js";
import { parseNotifyLine } from "./notify.js";

// 64 KB: larger chunks decode into strings big enough to skip V8's young-generation cleanup,
// which made memory during a flood grow by ~46 MB instead of ~31 MB (measured by the bench).
const READ_CHUNK_BYTES = 64 * 1024;

export interface TailerEvents {
  onLine?: (line: string, lineNo: number) => void;
  onNotify?: (message: string) => void;
  onExitMarker?: (status: number) => void;
}

export interface TailerOptions {
  logPath: string;
  maxLines: number;
  maxChars: number;
  events: TailerEvents;
}

/** One job's log reader: byte offset, line splitter and ring buffer. */
export class LogTailer {
  ring: LineRing;
  private splitter: LineSplitter;
  private offset = 0;
  /** Bytes below this offset were already acted on by an earlier instance: no notify re-sent. */
  private quietUntil = 0;
  private reading: Promise<void> | undefined;
  private readAgain = false;
  private closed = false;
  exitMarkerSeen = false;

  constructor(private readonly options: TailerOptions) {
    this.ring = new LineRing({ maxLines: options.maxLines, maxChars: options.maxChars });
    this.splitter = new LineSplitter();
  }

  /**
   * For a job found again after a restart: load only the last `tailBytes` of the log (line
   * numbers still count every earlier line) and stay quiet about markers before `quietUntil`
   * (default: everything already in the file), which an earlier instance already handled.
   */
  async resume(tailBytes: number, quietUntil?: number): Promise<void> {
    const size = await fileSize(this.options.logPath);
    const { offset, linesBefore } = await lineStartNear(this.options.logPath, Math.max(0, size - tailBytes));
    this.ring = new LineRing({ maxLines: this.options.maxLines, maxChars: this.options.maxChars, startAt: linesBefore + 1 });
    this.offset = offset;
    this.quietUntil = Math.min(quietUntil ?? size, size);
    await this.read();
  }

  /** Reads everything new; concurrent calls coalesce into one more pass. */
  read(): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (this.reading) {
      this.readAgain = true;
      return this.reading;
    }
    this.reading = this.readLoop().finally(() => {
      this.reading = undefined;
    });
    return this.reading;
  }

  /** The unfinished last line (e.g. a prompt without a newline), cleaned. */
  pendingLine(): string {
    return this.splitter.pending();
  }

  get bytesRead(): number {
    return this.offset;
  }

  close(): void {
    this.closed = true;
  }

  private async readLoop(): Promise<void> {
    do {
      this.readAgain = false;
      await this.readToEnd();
    } while (this.readAgain && !this.closed);
  }

  private async readToEnd(): Promise<void> {
    let handle: fs.FileHandle;
    try {
      handle = await fs.open(this.options.logPath, "r");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
      throw error;
    }
    try {
      const { size } = await handle.stat();
      if (size < this.offset) this.restartAfterTruncation();
      const buffer = Buffer.allocUnsafe(READ_CHUNK_BYTES);
      while (!this.closed) {
        // Never let one read straddle quietUntil: a marker line ending after it is new.
        const quiet = this.offset < this.quietUntil;
        const want = quiet ? Math.min(READ_CHUNK_BYTES, this.quietUntil - this.offset) : READ_CHUNK_BYTES;
        const { bytesRead } = await handle.read(buffer, 0, want, this.offset);
        if (bytesRead === 0) break;
        this.offset += bytesRead;
        this.consume(buffer.subarray(0, bytesRead), quiet);
      }
    } finally {
      await handle.close();
    }
  }

  /** Someone truncated the log (e.g. `: > output.log`): start over at its beginning. */
  private restartAfterTruncation(): void {
    this.offset = 0;
    this.quietUntil = 0;
    this.splitter = new LineSplitter();
  }

  private consume(chunk: Buffer, quiet: boolean): void {
    const { lines, exitMarker } = this.splitter.push(chunk);
    // Output the command left without a final newline is complete once the wrapper's marker shows.
    if (exitMarker !== undefined) lines.push(...this.splitter.flush());
    const { onLine, onNotify, onExitMarker } = this.options.events;
    for (const line of lines) {
      const lineNo = this.ring.push(line);
      onLine?.(line, lineNo);
      if (!quiet && onNotify) {
        const message = parseNotifyLine(line);
        if (message !== undefined) onNotify(message);
      }
    }
    if (exitMarker !== undefined) {
      this.exitMarkerSeen = true;
      onExitMarker?.(exitMarker);
    }
  }
}

async function fileSize(file: string): Promise<number> {
  try {
    return (await fs.stat(file)).size;
  } catch {
    return 0;
  }
}

/**
 * The first line start at or after `position`, and how many lines come before it, counted
 * without decoding, so line numbers stay absolute when only the log's tail is loaded.
 */
async function lineStartNear(file: string, position: number): Promise<{ offset: number; linesBefore: number }> {
  if (position === 0) return { offset: 0, linesBefore: 0 };
  const handle = await fs.open(file, "r");
  try {
    const buffer = Buffer.allocUnsafe(1024 * 1024);
    let linesBefore = 0;
    let lastNewlineEnd = 0;
    let cursor = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, cursor);
      if (bytesRead === 0) return { offset: cursor, linesBefore };
      for (let index = buffer.indexOf(10); index !== -1 && index < bytesRead; index = buffer.indexOf(10, index + 1)) {
        linesBefore++;
        lastNewlineEnd = cursor + index + 1;
        if (lastNewlineEnd >= position) return { offset: lastNewlineEnd, linesBefore };
      }
      cursor += bytesRead;
    }
  } finally {
    await handle.close();
  }
}
