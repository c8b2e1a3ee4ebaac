// Turns the raw pty bytes tmux pipe-pane writes to a job's log into clean text lines: streaming
// UTF-8, CRLF or LF line ends, `\r` progress redraws resolved, ANSI/OSC escapes stripped, the
// wrapper's exit marker picked out. Chunks may split anything anywhere; memory stays bounded.
import stripAnsi from "strip-ansi";
import { CONTROL_CHARS_BUT_TAB_LF } from "../control-chars.js";
import { EXIT_MARKER_PREFIX } from "../launch/wrapper.js";

/** Options for LineSplitter; the cap keeps memory bounded when a process never prints a newline. */
export interface LineSplitterOptions {
  /** Most UTF-8 bytes of clean text kept for one line; the rest is counted and dropped. Default 16 KiB. */
  maxLineBytes?: number;
}

/** What one push produced: the lines it finished and, if the wrapper's end marker arrived, the exit status. */
export interface PushResult {
  lines: string[];
  /**
   * Exit status from `ESC ] 777;opencode-bg-exit;<status> BEL` (or ST), stripped from the text; the
   * last one if a chunk held several. Output before it without a newline is still pending: call flush().
   */
  exitMarker?: number;
}

/** Longest incomplete escape kept while waiting for its end; a longer OSC/DCS payload is skipped. */
export const MAX_ESCAPE_CHARS = 4096;

// Exit marker, BEL- or ST-terminated. Removed before strip-ansi, which would drop it silently.
const EXIT_MARKER = new RegExp(`${escapeRegExp(EXIT_MARKER_PREFIX)}(-?\\d+)(?:\\u0007|\\u001B\\\\)`, "g");

// One complete escape sequence at a given position; kept in step with strip-ansi's own pattern
// (the ansi-regex it installs, ^6.2.2, is 6.6.0 here: linux palette, OSC, DCS/SOS/PM/APC, CSI,
// other ESC sequences; compare node_modules/ansi-regex/index.js when either is upgraded).
const ST = String.raw`(?:\u001B\u005C|\u009C)`;
const STRING_CONTROLS = String.raw`\u0018\u001A\u001B\u0080-\u009F`;
const COMPLETE = new RegExp(
  [
    String.raw`\u001B\](?:P[\dA-Fa-f]{7}|R)(?:\u0007|${ST})?`,
    String.raw`(?:\u001B\]|\u009D)[^\u0007${STRING_CONTROLS}]*(?:\u0007|${ST})`,
    String.raw`(?:\u001B[PX^_k]|[\u0090\u0098\u009E\u009F])[^${STRING_CONTROLS}]*${ST}`,
    String.raw`(?:\u001B\[|\u009B)[\u0030-\u003F]*[\u0020-\u002F]*[\u0040-\u007E]`,
    String.raw`\u001B(?:[\u0020-\u002F]+[\u0030-\u007E]|[\dA-PR-TZcf-oq-uy=><~|}])`,
  ].join("|"),
  "y",
);

// Text that could still grow into a complete sequence: a prefix of every alternative above, up to
// the end of the text. Tried before COMPLETE, since `ESC P` or `ESC ] R` alone already match it.
const OSC_START = String.raw`(?:\u001B\]|\u009D)[^\u0007${STRING_CONTROLS}]*\u001B?$`;
const STRING_START = String.raw`(?:\u001B[PX^_k]|[\u0090\u0098\u009E\u009F])[^${STRING_CONTROLS}]*\u001B?$`;
const INCOMPLETE = new RegExp(
  [
    OSC_START,
    STRING_START,
    String.raw`(?:\u001B\[|\u009B)[\u0030-\u003F]*[\u0020-\u002F]*$`,
    String.raw`\u001B[\u0020-\u002F]*$`,
  ].join("|"),
  "y",
);

const INTRODUCER = /[\u001B\u0090\u0098\u009B\u009D\u009E\u009F]/g;
// Controls left after stripping: `\r` (redraw), `\b` (erase one), the rest dropped; tab stays text.
const CONTROL = new RegExp(CONTROL_CHARS_BUT_TAB_LF.source, "g");
// Ends an OSC/DCS payload that is being skipped: BEL, CAN, SUB, ESC (ST or a new sequence), C1 ST.
const STRING_END = /[\u0007\u0018\u001A\u001B\u009C]/;

/**
 * Streaming splitter for one log. `push` returns the lines each chunk finished, `pending` shows
 * the unfinished line (a prompt such as `Password: `), `flush` ends it at end of input.
 */
export class LineSplitter {
  readonly maxLineBytes: number;
  private readonly decoder = new TextDecoder("utf-8");
  private readonly encoder = new TextEncoder();
  private readonly scratch: Uint8Array;
  /** Raw text of an escape sequence that has not ended yet. */
  private tail = "";
  /** Inside an over-long OSC/DCS payload: drop text until its terminator. */
  private skipping = false;
  /** Clean text of the current line, at most maxLineBytes UTF-8 bytes. */
  private line = "";
  private lineBytes = 0;
  private truncatedBytes = 0;
  /** A `\r` was seen: the next text replaces the line, unless the line ends first (`\r\n`). */
  private redraw = false;
  private exitMarker: number | undefined;

  constructor(options: LineSplitterOptions = {}) {
    const max = options.maxLineBytes ?? 16 * 1024;
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`maxLineBytes must be a positive integer, got ${max}`);
    this.maxLineBytes = max;
    this.scratch = new Uint8Array(max);
  }

  /** Feeds the next bytes of the log; returns the lines they completed and any exit marker. */
  push(chunk: Uint8Array): PushResult {
    const text = this.tail + this.decoder.decode(chunk, { stream: true });
    this.tail = "";
    const lines: string[] = [];
    let start = 0;
    for (let nl = text.indexOf("\n", start); nl !== -1; nl = text.indexOf("\n", start)) {
      this.feed(text.slice(start, nl), true);
      lines.push(this.render());
      this.resetLine();
      this.redraw = false;
      start = nl + 1;
    }
    this.feed(text.slice(start), false);
    const result: PushResult = { lines };
    if (this.exitMarker !== undefined) result.exitMarker = this.exitMarker;
    this.exitMarker = undefined;
    return result;
  }

  /** Ends input: returns the unfinished line (if it has any text) and resets for a new line. */
  flush(): string[] {
    // Bytes of a cut-off UTF-8 character become U+FFFD; an unfinished escape sequence is dropped.
    const rest = this.decoder.decode();
    this.tail = "";
    this.skipping = false;
    if (rest) this.feed(rest, true);
    this.exitMarker = undefined;
    const out = this.line === "" && this.truncatedBytes === 0 ? [] : [this.render()];
    this.resetLine();
    this.redraw = false;
    return out;
  }

  /** The unfinished line as clean text, without consuming it: lets a reader show a prompt. */
  pending(): string {
    return this.render();
  }

  /** Characters held in memory (line plus unfinished escape): for checking the bound. */
  get bufferedChars(): number {
    return this.line.length + this.tail.length;
  }

  // Handles text without `\n`. Unless the line ends here, an unfinished escape is kept in `tail`.
  private feed(segment: string, lineEnds: boolean): void {
    let text = segment;
    if (this.skipping) {
      text = this.skipString(text, lineEnds);
      if (this.skipping) return;
    }
    if (!lineEnds) {
      const cut = undecidedStart(text);
      if (cut < text.length) {
        const rest = text.slice(cut);
        text = text.slice(0, cut);
        if (rest.length <= MAX_ESCAPE_CHARS) this.tail = rest;
        // Over-long: an OSC/DCS payload (inline image, clipboard) is skipped to its end; anything
        // else cannot be a real sequence and is kept as text.
        else if (INCOMPLETE_STRING.test(rest)) this.skipping = true;
        else text += rest;
      }
    }
    this.apply(text);
  }

  // Drops an over-long string payload up to its terminator; returns the text after it.
  private skipString(text: string, lineEnds: boolean): string {
    const at = text.search(STRING_END);
    if (at === -1) {
      if (lineEnds) this.skipping = false; // a line end aborts it: never swallow whole lines
      return "";
    }
    if (text[at] !== "\u001B") {
      this.skipping = false;
      return text.slice(at + 1);
    }
    if (at + 1 === text.length) {
      if (lineEnds) this.skipping = false;
      else this.tail = "\u001B"; // ST may be split: wait for the next byte
      return "";
    }
    this.skipping = false;
    return text[at + 1] === "\\" ? text.slice(at + 2) : text.slice(at);
  }

  // Applies decided text (only complete escape sequences) to the current line.
  private apply(raw: string): void {
    if (raw === "") return;
    let text = raw;
    if (text.includes(EXIT_MARKER_PREFIX)) {
      text = text.replace(EXIT_MARKER, (_match, status: string) => {
        this.exitMarker = Number(status);
        return "";
      });
    }
    text = stripAnsi(text);
    let start = 0;
    CONTROL.lastIndex = 0;
    for (let m = CONTROL.exec(text); m !== null; m = CONTROL.exec(text)) {
      this.append(text.slice(start, m.index));
      if (m[0] === "\r") this.redraw = true;
      else if (m[0] === "\b") this.backspace();
      start = m.index + 1;
    }
    this.append(text.slice(start));
  }

  private append(text: string): void {
    if (text === "") return;
    if (this.redraw) {
      this.redraw = false;
      this.resetLine();
    }
    const bytes = Buffer.byteLength(text, "utf8");
    if (this.truncatedBytes > 0) {
      this.truncatedBytes += bytes;
    } else if (this.lineBytes + bytes <= this.maxLineBytes) {
      this.line += text;
      this.lineBytes += bytes;
    } else {
      // Keep what fits, cut at a character boundary (encodeInto never writes half a character).
      const room = this.scratch.subarray(0, this.maxLineBytes - this.lineBytes);
      const { read, written } = this.encoder.encodeInto(text, room);
      this.line += text.slice(0, read);
      this.lineBytes += written;
      this.truncatedBytes += bytes - written;
    }
  }

  private backspace(): void {
    if (this.redraw || this.truncatedBytes > 0 || this.line === "") return;
    const last = this.line.charCodeAt(this.line.length - 1);
    const width = last >= 0xdc00 && last <= 0xdfff && this.line.length > 1 ? 2 : 1;
    const removed = this.line.slice(-width);
    this.line = this.line.slice(0, -width);
    this.lineBytes -= Buffer.byteLength(removed, "utf8");
  }

  private resetLine(): void {
    this.line = "";
    this.lineBytes = 0;
    this.truncatedBytes = 0;
  }

  private render(): string {
    return this.truncatedBytes > 0 ? `${this.line} …[truncated ${this.truncatedBytes} bytes]` : this.line;
  }
}

// An unfinished OSC or DCS/SOS/PM/APC string (whole text), as opposed to a CSI or short escape.
const INCOMPLETE_STRING = new RegExp(`^(?:${OSC_START}|${STRING_START})`);

// Index where the unfinished escape sequence at the end of `text` starts, or text.length if none.
// Scans like strip-ansi: a complete sequence is skipped whole, so its payload is never rescanned.
function undecidedStart(text: string): number {
  INTRODUCER.lastIndex = 0;
  for (let m = INTRODUCER.exec(text); m !== null; m = INTRODUCER.exec(text)) {
    INCOMPLETE.lastIndex = m.index;
    if (INCOMPLETE.test(text)) return m.index;
    COMPLETE.lastIndex = m.index;
    if (COMPLETE.test(text)) INTRODUCER.lastIndex = COMPLETE.lastIndex;
  }
  return text.length;
}

function escapeRegExp(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|]/g, "\\$&");
}
