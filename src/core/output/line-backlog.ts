// Lines a tailer has read but not yet put in its ring, kept as the raw bytes of plain lines (see
// plain-lines.ts) or as text already decoded, in order. A flood's lines mostly go out of the
// ring before anyone reads it: kept as bytes in one reused buffer, they are decoded only when the
// ring is read, and those pushed out before that never are. JavaScriptCore collects the garbage
// of per-line strings late (OpenCode's RSS grew by 45 MB for a 50 MB flood), a byte copy makes none.
import type { LineSplitter } from "./line-splitter.js";
import type { LineRing } from "./ring-buffer.js";

const FIRST_BUFFER_BYTES = 64 * 1024;

/** Pending lines, at most `maxLines` (older ones are only counted) and `maxBytes` of raw bytes. */
export class LineBacklog {
  private bytes: Buffer | undefined;
  /** Live raw bytes are [begin, end) of `bytes`. */
  private begin = 0;
  private end = 0;
  /** Per pending line (a circular list from `head`): decoded text, or undefined for raw bytes. */
  private texts: (string | undefined)[] = [];
  /** Per pending line: where its bytes end in `bytes` (they start where the line before ends). */
  private ends: Int32Array | undefined;
  private head = 0;
  private count = 0;
  /** Lines dropped from the backlog before they were decoded; the ring only counts them. */
  private skipped = 0;

  constructor(
    private readonly maxLines: number,
    private readonly maxBytes: number,
  ) {}

  /** Lines waiting (kept and only counted). */
  get pending(): number {
    return this.count + this.skipped;
  }

  /** A plain line's raw bytes, its `\n` included. */
  addRaw(source: Buffer, start: number, end: number): void {
    const length = end - start;
    if (this.count === this.maxLines) this.dropOldest();
    while (this.count > 0 && this.end - this.begin + length > this.maxBytes) this.dropOldest();
    const bytes = this.room(length);
    source.copy(bytes, this.end, start, end);
    this.end += length;
    this.record(undefined);
  }

  /** A line already decoded (it held a marker, an escape, or began in an earlier chunk). */
  addText(text: string): void {
    if (this.count === this.maxLines) this.dropOldest();
    this.record(text);
  }

  /** Puts every pending line in `ring`, in order, decoding raw ones with `splitter` (left at a line start). */
  drainInto(ring: LineRing, splitter: LineSplitter): void {
    if (this.pending === 0) return;
    ring.skip(this.skipped);
    let start = this.begin;
    for (let index = 0; index < this.count; index++) {
      const slot = (this.head + index) % this.maxLines;
      const end = this.ends?.[slot] ?? start;
      const text = this.texts[slot] ?? (this.bytes ? splitter.push(this.bytes.subarray(start, end)).lines[0] : undefined) ?? "";
      this.texts[slot] = undefined;
      ring.push(text);
      start = end;
    }
    this.head = 0;
    this.count = 0;
    this.skipped = 0;
    this.begin = 0;
    this.end = 0;
    // A big buffer is not kept for a job that may print nothing more.
    if (this.bytes && this.bytes.length > FIRST_BUFFER_BYTES) this.bytes = undefined;
  }

  private record(text: string | undefined): void {
    this.ends ??= new Int32Array(this.maxLines);
    const slot = (this.head + this.count) % this.maxLines;
    this.texts[slot] = text;
    this.ends[slot] = this.end;
    this.count++;
  }

  private dropOldest(): void {
    const ends = this.ends as Int32Array;
    this.texts[this.head] = undefined;
    this.begin = ends[this.head] as number;
    this.head = (this.head + 1) % this.maxLines;
    this.count--;
    this.skipped++;
    if (this.count === 0) this.begin = this.end = 0;
  }

  /** A buffer with `length` free bytes at `end`: compacted, or grown (doubling, up to maxBytes). */
  private room(length: number): Buffer {
    let bytes = this.bytes ?? (this.bytes = Buffer.allocUnsafe(Math.min(this.maxBytes, Math.max(FIRST_BUFFER_BYTES, length))));
    if (this.end + length <= bytes.length) return bytes;
    const live = this.end - this.begin;
    if (live + length > bytes.length / 2 && bytes.length < this.maxBytes) {
      const bigger = Buffer.allocUnsafe(Math.min(this.maxBytes, Math.max(bytes.length * 2, live + length)));
      bytes.copy(bigger, 0, this.begin, this.end);
      bytes = this.bytes = bigger;
    } else {
      bytes.copyWithin(0, this.begin, this.end);
    }
    const shift = this.begin;
    const ends = this.ends as Int32Array;
    for (let index = 0; index < this.count; index++) {
      const slot = (this.head + index) % this.maxLines;
      ends[slot] = (ends[slot] as number) - shift;
    }
    this.begin = 0;
    this.end = live;
    return bytes;
  }
}
