// Follows one job's output.log: reads what is new since the last read (chokidar says when),
// turns raw terminal bytes into clean lines in a bounded ring, and reports notify markers and
// the wrapper's end marker. Memory stays flat however much the job prints. Positions are absolute
// in the job's whole output, so reading goes on across log rotations (see log-segments.ts).
import { LineBacklog } from "./line-backlog.js";
import { LineSplitter } from "./line-splitter.js";
import { lineStartAtOrAfter } from "./log-positions.js";
import { logExtent, readLog } from "./log-segments.js";
import { scanLines } from "./plain-lines.js";
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
  /**
   * Whether something needs every line decoded as it is read (an onLine listener, a detector
   * that looks beyond markers). Asked per chunk; default yes. When not, plain lines (see
   * plain-lines.ts) stay raw bytes until the ring is read, and only the ring's worth is ever decoded.
   */
  everyLine?: () => boolean;
}

/** One job's log reader: byte offset, line splitter and ring buffer. */
export class LogTailer {
  /** The ring as read so far: pending lines (see `backlog`) are not in it yet. */
  private lines: LineRing;
  private splitter: LineSplitter;
  /** Lines read but not decoded into the ring yet (only while no one needs every line). */
  private backlog: LineBacklog;
  /** Decodes the backlog's raw lines; always at a line start between them. */
  private backlogSplitter: LineSplitter | undefined;
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
    this.lines = new LineRing({ maxLines: options.maxLines, maxChars: options.maxChars });
    this.splitter = new LineSplitter();
    this.backlog = this.newBacklog();
  }

  /** The last lines read, bounded; reading it first decodes the lines still pending. */
  get ring(): LineRing {
    this.drainBacklog();
    return this.lines;
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
    this.backlog = this.newBacklog();
    this.lines = new LineRing({ maxLines: this.options.maxLines, maxChars: this.options.maxChars, startAt: linesBefore + 1 });
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
            this.lines = new LineRing({ maxLines: this.options.maxLines, maxChars: this.options.maxChars, startAt: startLine + 1 });
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
    if (this.options.everyLine?.() ?? true) this.consumeEveryLine(chunk, quiet, start);
    else this.consumeKeepingPlainLinesRaw(chunk, quiet, start);
  }

  private consumeEveryLine(chunk: Buffer, quiet: boolean, start: number): void {
    this.drainBacklog();
    const { lines, exitMarker } = this.splitter.push(chunk);
    // Output the command left without a final newline is complete once the wrapper's marker shows.
    if (exitMarker !== undefined) lines.push(...this.splitter.flush());
    // Line end offsets are worked out only for a chunk that holds an event (rare).
    let ends: number[] | undefined;
    lines.forEach((line, index) => {
      const end = () => (ends ??= lineEnds(chunk, start, lines.length))[index] ?? start + chunk.length;
      this.emit(line, this.lines.push(line), end, quiet);
    });
    this.sawExitMarker(exitMarker);
  }

  /**
   * Same lines, numbers and events as consumeEveryLine, but the complete plain lines inside the
   * chunk (not the one it continues, see plain-lines.ts) go to the backlog as bytes. The splitter
   * is at a line start after each `\n`, so it decodes the other lines one at a time alike.
   */
  private consumeKeepingPlainLinesRaw(chunk: Buffer, quiet: boolean, start: number): void {
    let exitMarker: number | undefined;
    const decode = (from: number, to: number) => {
      const result = this.splitter.push(chunk.subarray(from, to));
      exitMarker = result.exitMarker ?? exitMarker;
      // At most one line: `to` is just past a newline or the chunk's end.
      for (const line of result.lines) this.pend(line, start + to, quiet);
    };
    const first = chunk.indexOf(0x0a);
    if (first === -1) {
      decode(0, chunk.length);
    } else {
      decode(0, first + 1);
      const rest = scanLines(chunk, first + 1, chunk.length, this.splitter.maxLineBytes, (lineStart, lineEnd, plain) => {
        if (plain) this.backlog.addRaw(chunk, lineStart, lineEnd);
        else decode(lineStart, lineEnd);
      });
      if (rest < chunk.length) decode(rest, chunk.length);
    }
    if (exitMarker !== undefined) for (const line of this.splitter.flush()) this.pend(line, start + chunk.length, quiet);
    this.sawExitMarker(exitMarker);
  }

  /** A decoded line behind the backlog's pending ones: numbered after them. */
  private pend(line: string, end: number, quiet: boolean): void {
    this.backlog.addText(line);
    this.emit(line, this.lines.last + this.backlog.pending, () => end, quiet);
  }

  /** A numbered line's events: onLine, and onNotify if the detector calls it one (not for quiet bytes). */
  private emit(line: string, lineNo: number, end: () => number, quiet: boolean): void {
    const { onLine, onNotify } = this.options.events;
    onLine?.(line, lineNo);
    if (quiet || !onNotify) return;
    const detect = this.options.detect ?? markersOnly;
    // The line is already in the ring (or the backlog, which reading the ring decodes).
    const event = detect(line, { before: (n) => this.ring.tail(n + 1).slice(0, -1).map((kept) => kept.text), end, lineNo });
    if (event !== undefined) onNotify(event.message, end(), event);
  }

  private sawExitMarker(exitMarker: number | undefined): void {
    if (exitMarker === undefined) return;
    this.exitMarkerSeen = true;
    this.options.events.onExitMarker?.(exitMarker);
  }

  private drainBacklog(): void {
    if (this.backlog.pending > 0) this.backlog.drainInto(this.lines, (this.backlogSplitter ??= new LineSplitter()));
  }

  // Raw bytes kept for pending lines: twice the ring's characters covers the lines it keeps
  // unless they are mostly `\r` redraws (then the ring starts later; older lines are on disk).
  private newBacklog(): LineBacklog {
    return new LineBacklog(this.options.maxLines, Math.max(2 * this.options.maxChars, 64 * 1024));
  }
}
