// The last lines of a job's output kept in memory, bounded by line count and by characters, with
// absolute line numbers so a reader can ask "what came after line N" and learn what it missed.

/** Bounds and numbering for a LineRing; the defaults keep one busy job to a few MB. */
export interface LineRingOptions {
  /** Most lines kept. Default 2000. */
  maxLines?: number;
  /** Most characters kept over all lines; a single longer line is cut to this. Default 1 Mi. */
  maxChars?: number;
  /** Number of the first line pushed, for a reader that resumes a log mid-way. Default 1. */
  startAt?: number;
}

/** One kept line with its absolute number, so callers can page and resume. */
export interface NumberedLine {
  no: number;
  text: string;
}

/** Answer of `since`: the lines, where to continue, and whether some asked for were already gone. */
export interface SinceResult {
  lines: NumberedLine[];
  /** Line number to pass to the next `since` call. */
  next: number;
  /** True if lines older than the oldest kept one were asked for (they were dropped, or precede startAt). */
  dropped: boolean;
}

/** Bounded circular store of numbered lines: O(1) push, oldest dropped first. */
export class LineRing {
  readonly maxLines: number;
  readonly maxChars: number;
  private slots: string[];
  private head = 0; // slot of the oldest kept line
  private count = 0;
  private chars = 0;
  private firstNo: number;

  constructor(options: LineRingOptions = {}) {
    this.maxLines = positiveInteger("maxLines", options.maxLines ?? 2000);
    this.maxChars = positiveInteger("maxChars", options.maxChars ?? 1024 * 1024);
    this.firstNo = positiveInteger("startAt", options.startAt ?? 1);
    // Grows by doubling up to maxLines, so a ring sized for a big log costs little while it is small.
    this.slots = new Array<string>(Math.min(this.maxLines, 64));
  }

  /** Appends a line; returns its absolute number. */
  push(line: string): number {
    const text = line.length > this.maxChars ? cutToChars(line, this.maxChars) : line;
    if (this.count === this.maxLines) this.dropOldest();
    else if (this.count === this.slots.length) this.grow();
    this.slots[(this.head + this.count) % this.slots.length] = text;
    this.count++;
    this.chars += text.length;
    while (this.chars > this.maxChars) this.dropOldest();
    return this.last;
  }

  /**
   * Counts `count` newer lines without keeping them (a reader that skipped decoding lines nobody
   * could see): everything kept is older than them and goes too; numbering continues after them.
   */
  skip(count: number): void {
    if (count <= 0) return;
    this.firstNo = this.last + count + 1;
    this.slots = new Array<string>(Math.min(this.maxLines, 64));
    this.head = 0;
    this.count = 0;
    this.chars = 0;
  }

  /** The last n kept lines (fewer if fewer are kept), oldest first. */
  tail(n: number): NumberedLine[] {
    const take = Math.max(0, Math.min(Math.floor(n), this.count));
    return this.range(this.count - take, this.count);
  }

  /** Lines numbered lineNo and later (at most `limit`), oldest first, with the number to continue from. */
  since(lineNo: number, limit = Infinity): SinceResult {
    const from = Math.max(1, Math.floor(lineNo));
    if (from > this.last) return { lines: [], next: from, dropped: false };
    const start = Math.max(from, this.firstNo) - this.firstNo;
    const end = Math.min(this.count, start + Math.max(0, Math.floor(limit)));
    return { lines: this.range(start, end), next: this.firstNo + end, dropped: from < this.firstNo };
  }

  /** Number of the oldest kept line (last + 1 while nothing is kept). */
  get first(): number {
    return this.firstNo;
  }

  /** Number of the newest line (startAt - 1 before any push). */
  get last(): number {
    return this.firstNo + this.count - 1;
  }

  /** Lines the log has had up to now, dropped ones and those before startAt included: equals `last`. */
  get totalLines(): number {
    return this.last;
  }

  /** Characters kept, over all kept lines. */
  get size(): number {
    return this.chars;
  }

  /** Lines kept. */
  get length(): number {
    return this.count;
  }

  // Kept lines by offset from the oldest, [start, end).
  private range(start: number, end: number): NumberedLine[] {
    const out: NumberedLine[] = [];
    for (let i = start; i < end; i++) {
      out.push({ no: this.firstNo + i, text: this.slots[(this.head + i) % this.slots.length] ?? "" });
    }
    return out;
  }

  private dropOldest(): void {
    const text = this.slots[this.head] ?? "";
    this.slots[this.head] = ""; // let the string be collected
    this.head = (this.head + 1) % this.slots.length;
    this.count--;
    this.chars -= text.length;
    this.firstNo++;
  }

  private grow(): void {
    const bigger = new Array<string>(Math.min(this.maxLines, this.slots.length * 2));
    for (let i = 0; i < this.count; i++) bigger[i] = this.slots[(this.head + i) % this.slots.length] ?? "";
    this.slots = bigger;
    this.head = 0;
  }
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${value}`);
  return value;
}

// First `max` UTF-16 units, not splitting a surrogate pair.
function cutToChars(text: string, max: number): string {
  const code = text.charCodeAt(max - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? max - 1 : max);
}
