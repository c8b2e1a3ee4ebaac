// Follows one job's output.log: reads what is new since the last read (chokidar says when),
// turns raw terminal bytes into clean lines in a bounded ring, and reports notify markers and
// the wrapper's end marker. Memory stays flat however much the job prints. Positions are absolute
// in the job's whole output, so reading goes on across log rotations (see log-segments.ts).
import { LineSplitter } from "./line-splitter.js";
import { lineStartAtOrAfter } from "./log-positions.js";
import { logExtent, readLog } from "./log-segments.js";
import { LineRing } from "./ring-buffer.js";
import { lineEnds } from "../notify/notify-scan.js";
import { markersOnly, type LineDetector, type LineEvent } from "../notify/line-event.js";

// 64 KB: larger chunks decode into strings big enough to skip V8's young-generation cleanup,
// which made memory during a flood grow by ~46 MB instead of ~31 MB (measured by the bench).
const READ_CHUNK_BYTES = 64 * 1024;

export interface TailerEvents {
  onLine?: (line: string, lineNo: number) => void;
  /** `end`: absolute offset just past the event's line (its identity between instances). */
  onNotify?: (message: string, end: number, event: LineEvent) => void;
  onExitMarker?: (status: number) => void;
  /** After each read of what was new (e.g. to see whether output stopped on a prompt). */
  onReadEnd?: () => void;
}

export interface TailerOptions {
  logPath: string;
  maxLines: number;
  maxChars: number;
  events: TailerEvents;
  /** Which lines are events (default: OPENCODE_NOTIFY markers only). */
  detect?: LineDetector;
}

/** One job's log reader: byte offset, line splitter and ring buffer. */
export class LogTailer {
  ring: LineRing;
  private splitter: LineSplitter;
  /** Absolute position in the job's whole output (rotated parts included) read up to. */
  private offset = 0;
  private readonly buffer = Buffer.allocUnsafe(READ_CHUNK_BYTES);
  /** Bumped by resume: a read started before it must not move the new position. */
  private generation = 0;
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
    const { start, end } = await logExtent(this.options.logPath);
    const { position, linesBefore } = await lineStartAtOrAfter(this.options.logPath, Math.max(start, end - tailBytes));
    // A read already under way (an output event came first) stops using the old position and ring.
    this.generation++;
    this.splitter = new LineSplitter();
    this.ring = new LineRing({ maxLines: this.options.maxLines, maxChars: this.options.maxChars, startAt: linesBefore + 1 });
    this.offset = position;
    this.quietUntil = Math.min(quietUntil ?? end, end);
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
    if (!this.closed) this.options.events.onReadEnd?.();
  }

  private async readToEnd(): Promise<void> {
    const generation = this.generation;
    const current = () => generation === this.generation;
    const position = await readLog(
      this.options.logPath,
      this.offset,
      {
        onData: (data, at) => {
          if (current()) this.consumeAt(data, at);
        },
        onSkip: (position, startLine, reason) => {
          if (!current()) return;
          if (reason === "truncated") return this.restartAfterTruncation();
          // Rotated away before this reader got to it: numbering continues where the kept part starts.
          this.splitter = new LineSplitter();
          if (startLine + 1 > this.ring.last + 1) {
            this.ring = new LineRing({ maxLines: this.options.maxLines, maxChars: this.options.maxChars, startAt: startLine + 1 });
          }
          this.offset = position;
        },
      },
      { buffer: this.buffer, stop: () => this.closed || !current() },
    );
    // A resume meanwhile set a new position; the next pass reads from there.
    if (current()) this.offset = position;
  }

  /** Never lets one chunk straddle quietUntil: a marker line ending after it is new. */
  private consumeAt(data: Buffer, position: number): void {
    const quietBytes = Math.max(0, Math.min(data.length, this.quietUntil - position));
    if (quietBytes > 0) this.consume(data.subarray(0, quietBytes), true, position);
    if (quietBytes < data.length) this.consume(data.subarray(quietBytes), false, position + quietBytes);
    this.offset = position + data.length;
  }

  /** Someone truncated the log (e.g. `: > output.log`): start over at its beginning. */
  private restartAfterTruncation(): void {
    this.quietUntil = 0;
    this.splitter = new LineSplitter();
  }

  private consume(chunk: Buffer, quiet: boolean, start: number): void {
    const { lines, exitMarker } = this.splitter.push(chunk);
    // Output the command left without a final newline is complete once the wrapper's marker shows.
    if (exitMarker !== undefined) lines.push(...this.splitter.flush());
    const { onLine, onNotify, onExitMarker } = this.options.events;
    // Line end offsets are worked out only for a chunk that holds an event (rare).
    let ends: number[] | undefined;
    const detect = this.options.detect ?? markersOnly;
    lines.forEach((line, index) => {
      const lineNo = this.ring.push(line);
      onLine?.(line, lineNo);
      if (!quiet && onNotify) {
        const end = () => (ends ??= lineEnds(chunk, start, lines.length))[index] ?? start + chunk.length;
        const event = detect(line, { before: (n) => this.ring.tail(n + 1).slice(0, -1).map((kept) => kept.text), end, lineNo });
        if (event === undefined) return;
        onNotify(event.message, end(), event);
      }
    });
    if (exitMarker !== undefined) {
      this.exitMarkerSeen = true;
      onExitMarker?.(exitMarker);
    }
  }
}
