import assert from "node:assert/strict";
import { test } from "node:test";
import { LineSplitter } from "../../src/core/output/line-splitter.js";

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

// Feeds the chunks, then flushes; collects every line and every exit marker.
function run(chunks: (string | Uint8Array)[], splitter = new LineSplitter()): { lines: string[]; markers: number[] } {
  const lines: string[] = [];
  const markers: number[] = [];
  for (const chunk of chunks) {
    const result = splitter.push(typeof chunk === "string" ? bytes(chunk) : chunk);
    lines.push(...result.lines);
    if (result.exitMarker !== undefined) markers.push(result.exitMarker);
  }
  lines.push(...splitter.flush());
  return { lines, markers };
}

// Every byte its own chunk.
function byteByByte(text: string): Uint8Array[] {
  return Array.from(bytes(text), (b) => Uint8Array.of(b));
}

test("CRLF and bare LF both end lines; trailing whitespace is kept", () => {
  assert.deepEqual(run(["one\r\ntwo\nthree  \r\n\r\n"]).lines, ["one", "two", "three  ", ""]);
});

test("CR redraw keeps the text after the last CR", () => {
  assert.deepEqual(run(["10%\r50%\r100%\r\n"]).lines, ["100%"]);
  assert.deepEqual(run(["a\rb\rc\nnext\n"]).lines, ["c", "next"]);
});

test("CR CR LF (a program's CRLF through the tty) is one line end", () => {
  assert.deepEqual(run(["done\r\r\n"]).lines, ["done"]);
});

test("CRLF split between chunks: the CR is not a redraw", () => {
  const splitter = new LineSplitter();
  assert.deepEqual(splitter.push(bytes("hello\r")).lines, []);
  assert.equal(splitter.pending(), "hello");
  assert.deepEqual(splitter.push(bytes("\nworld\r\n")).lines, ["hello", "world"]);
});

test("a CR at the end of a chunk followed by text is a redraw", () => {
  const splitter = new LineSplitter();
  splitter.push(bytes("50%\r"));
  assert.equal(splitter.pending(), "50%");
  splitter.push(bytes("75%"));
  assert.equal(splitter.pending(), "75%");
  assert.deepEqual(splitter.flush(), ["75%"]);
});

test("multibyte characters split across chunks", () => {
  for (const text of ["café\n", "日本語\n", "ok 🎉 done\n", "👩‍💻\n"]) {
    const b = bytes(text);
    for (let cut = 1; cut < b.length; cut++) {
      assert.deepEqual(run([b.subarray(0, cut), b.subarray(cut)]).lines, [text.slice(0, -1)], `${text} cut at ${cut}`);
    }
  }
});

test("a cut-off UTF-8 character at flush becomes U+FFFD", () => {
  const b = bytes("é");
  assert.deepEqual(run([b.subarray(0, 1)]).lines, ["\uFFFD"]);
});

test("colour escapes are stripped, also when split across chunks", () => {
  const text = "\x1b[1;31mred\x1b[0m plain\r\n";
  assert.deepEqual(run([text]).lines, ["red plain"]);
  for (let cut = 1; cut < text.length; cut++) {
    assert.deepEqual(run([text.slice(0, cut), text.slice(cut)]).lines, ["red plain"], `cut at ${cut}`);
  }
});

test("pending() never shows half an escape sequence", () => {
  const splitter = new LineSplitter();
  splitter.push(bytes("Password: \x1b[3"));
  assert.equal(splitter.pending(), "Password: ");
  splitter.push(bytes("2m"));
  assert.equal(splitter.pending(), "Password: ");
  assert.equal(splitter.bufferedChars, "Password: ".length);
});

test("OSC title sequences (BEL or ST terminated) are stripped", () => {
  assert.deepEqual(run(["\x1b]0;my title\x07prompt$ ls\r\n"]).lines, ["prompt$ ls"]);
  assert.deepEqual(run(["a\x1b]2;title\x1b\\b\r\n"]).lines, ["ab"]);
  assert.deepEqual(run(["\x1b]8;;https://x.test\x1b\\link\x1b]8;;\x1b\\\n"]).lines, ["link"]);
});

test("cursor moves and erase-line around a progress bar", () => {
  assert.deepEqual(run(["\x1b[?25l 10%\r\x1b[K 90%\r\x1b[2K\x1b[1Gdone\x1b[?25h\r\n"]).lines, ["done"]);
});

test("other control characters: backspace erases, BEL and stray ESC vanish, tab stays", () => {
  assert.deepEqual(run(["50%\b\b\b60%\x07\tx\x1bw\n"]).lines, ["60%\txw"]);
});

test("exit marker alone", () => {
  assert.deepEqual(run(["\x1b]777;opencode-bg-exit;0\x07"]), { lines: [], markers: [0] });
});

test("exit marker mid-chunk is stripped and reported with the lines of that chunk", () => {
  const splitter = new LineSplitter();
  const result = splitter.push(bytes("last line\r\n\x1b]777;opencode-bg-exit;3\x07"));
  assert.deepEqual(result, { lines: ["last line"], exitMarker: 3 });
  assert.deepEqual(splitter.flush(), []);
});

test("exit marker after output without a newline: the text stays pending until flush", () => {
  const splitter = new LineSplitter();
  const result = splitter.push(bytes("no newline\x1b]777;opencode-bg-exit;127\x07"));
  assert.deepEqual(result, { lines: [], exitMarker: 127 });
  assert.equal(splitter.pending(), "no newline");
  assert.deepEqual(splitter.flush(), ["no newline"]);
});

test("exit marker terminated by ST", () => {
  assert.deepEqual(run(["x\n\x1b]777;opencode-bg-exit;1\x1b\\"]), { lines: ["x"], markers: [1] });
});

test("exit marker split across chunks, at every position", () => {
  const text = "out\r\n\x1b]777;opencode-bg-exit;42\x07";
  for (let cut = 1; cut < text.length; cut++) {
    assert.deepEqual(run([text.slice(0, cut), text.slice(cut)]), { lines: ["out"], markers: [42] }, `cut at ${cut}`);
  }
});

test("no marker is reported for other OSC 777 sequences", () => {
  assert.deepEqual(run(["\x1b]777;notify;hi\x07ok\n"]), { lines: ["ok"], markers: [] });
});

test("a 10 MB line without newline stays under the cap and is marked truncated", () => {
  const splitter = new LineSplitter({ maxLineBytes: 1024 });
  const chunk = bytes("x".repeat(64 * 1024));
  let peak = 0;
  for (let i = 0; i < 160; i++) {
    assert.deepEqual(splitter.push(chunk).lines, []);
    peak = Math.max(peak, splitter.bufferedChars);
  }
  assert.ok(peak <= 1024, `kept ${peak} chars`);
  const total = 160 * 64 * 1024;
  assert.equal(splitter.pending(), `${"x".repeat(1024)} …[truncated ${total - 1024} bytes]`);
  const lines = splitter.push(bytes("\nnext\n")).lines;
  assert.deepEqual(lines, [`${"x".repeat(1024)} …[truncated ${total - 1024} bytes]`, "next"]);
});

test("the default cap is 16 KiB and a cut never splits a character", () => {
  const splitter = new LineSplitter();
  splitter.push(bytes("é".repeat(10_000))); // 20 000 bytes
  const line = splitter.flush()[0] ?? "";
  assert.equal(line, `${"é".repeat(8192)} …[truncated ${20_000 - 16_384} bytes]`);
});

test("an endless progress bar (CR redraws, no newline) stays small and untruncated", () => {
  const splitter = new LineSplitter({ maxLineBytes: 100 });
  for (let i = 0; i <= 100_000; i++) splitter.push(bytes(`\r\x1b[Kprogress ${i}`));
  assert.equal(splitter.pending(), "progress 100000");
  assert.ok(splitter.bufferedChars < 100);
});

test("an over-long OSC payload is skipped, not kept or shown", () => {
  const splitter = new LineSplitter();
  splitter.push(bytes("before\x1b]1337;File=inline=1:"));
  for (let i = 0; i < 100; i++) splitter.push(bytes("QUJD".repeat(1000)));
  assert.ok(splitter.bufferedChars < 10_000);
  assert.deepEqual(splitter.push(bytes("\x07after\n")).lines, ["beforeafter"]);
});

test("byte-by-byte feeding gives the same result as one chunk", () => {
  const samples = [
    "plain\nlines\r\n",
    "10%\r50%\r100%\r\ndone\r\n",
    "\x1b[32m✔\x1b[39m passed 日本 🎉\r\n\x1b]0;title\x07next\r\r\n",
    "a\r\x1b[0m\rb\r\n",
    "spin\b\b\b\bwait \x1b[1A\x1b[2K\x1bPdcs\x1b\\x\n",
    "tail\x1b]777;opencode-bg-exit;2\x07",
    "Password: ",
    "half \x1b[3",
    "\x1b]R\x07after palette\n",
  ];
  for (const sample of samples) {
    assert.deepEqual(run(byteByByte(sample)), run([sample]), JSON.stringify(sample));
  }
});

test("flush returns the partial line once, then nothing", () => {
  const splitter = new LineSplitter();
  splitter.push(bytes("line\npartial"));
  assert.equal(splitter.pending(), "partial");
  assert.deepEqual(splitter.flush(), ["partial"]);
  assert.deepEqual(splitter.flush(), []);
  assert.equal(splitter.pending(), "");
});

test("flush drops an unfinished escape sequence and an escape-only line", () => {
  assert.deepEqual(run(["text\x1b[1"]).lines, ["text"]);
  assert.deepEqual(run(["\x1b]0;title\x07"]).lines, []);
});

test("rejects a bad cap", () => {
  assert.throws(() => new LineSplitter({ maxLineBytes: 0 }), RangeError);
});
