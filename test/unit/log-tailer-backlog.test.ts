// The tailer's raw-bytes path (no consumer needs every line: plain lines stay bytes until the ring
// is read) must give what decoding every line gives: the same ring, numbers, pending line,
// notify events with their end offsets, exit markers. Each case appends its pieces to a real log
// file one read at a time, so every piece is one chunk and the borders fall where the case says.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { appendFile, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { LogTailer } from "../../src/core/output/log-tailer.js";
import { scanLines } from "../../src/core/output/plain-lines.js";
import { EXIT_MARKER_PREFIX } from "../../src/core/launch/wrapper.js";

const dir = await mkdtemp(path.join(os.tmpdir(), "obg-backlog-"));
after(() => rm(dir, { recursive: true, force: true }));
let files = 0;

type Piece = string | Buffer;

interface Seen {
  notes: string[];
  exits: number[];
  lines: string[];
  first: number;
  last: number;
  pending: string;
}

/** Tails `pieces` (one read each) with every line decoded, or with plain lines kept raw. */
async function tail(pieces: Piece[], everyLine: boolean, ring: { maxLines: number; maxChars: number }, quietUntil?: number): Promise<Seen & { tailer: LogTailer }> {
  const logPath = path.join(dir, `log-${files++}`);
  await writeFile(logPath, "");
  const notes: string[] = [];
  const exits: number[] = [];
  const tailer = new LogTailer({
    logPath,
    ...ring,
    events: { onNotify: (message, end, event) => notes.push(`${end}:${event.kind}:${message}`), onExitMarker: (status) => exits.push(status) },
    everyLine: () => everyLine,
  });
  if (quietUntil !== undefined) {
    await writeFile(logPath, Buffer.concat(pieces.map((piece) => Buffer.from(piece))));
    await tailer.resume(Number.MAX_SAFE_INTEGER, quietUntil);
  } else {
    for (const piece of pieces) {
      await appendFile(logPath, piece);
      await tailer.read();
    }
  }
  const kept = tailer.ring.since(1);
  return { tailer, notes, exits, lines: kept.lines.map((line) => `${line.no}:${line.text}`), first: tailer.ring.first, last: tailer.ring.last, pending: tailer.pendingLine() };
}

/** Runs both paths and asserts they agree; returns the raw path's result. */
async function same(pieces: Piece[], ring = { maxLines: 50, maxChars: 64 * 1024 }, quietUntil?: number): Promise<Seen> {
  const every = await tail(pieces, true, ring, quietUntil);
  const raw = await tail(pieces, false, ring, quietUntil);
  const strip = ({ tailer: _tailer, ...seen }: Seen & { tailer: LogTailer }) => seen;
  assert.deepEqual(strip(raw), strip(every));
  return strip(raw);
}

const plain = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `plain line ${from + i} ${"x".repeat(40)}\r\n`).join("");

test("a marker line inside a backlog of plain lines notifies once, with its line's end offset", async () => {
  const text = `${plain(1, 300)}OPENCODE_NOTIFY: half way\r\n${plain(302, 600)}`;
  const seen = await same([text]);
  const end = Buffer.byteLength(`${plain(1, 300)}OPENCODE_NOTIFY: half way\r\n`);
  assert.deepEqual(seen.notes, [`${end}:marker:half way`]);
  assert.equal(seen.last, 600, "every newline counted");
  assert.equal(seen.first, 551);
  assert.equal(seen.lines.at(-1), `600:plain line 600 ${"x".repeat(40)}`);
});

test("a marker split across chunk borders is found, wherever the border falls", async () => {
  const text = `${plain(1, 20)}OPENCODE_NOTIFY: split\r\n${plain(22, 40)}`;
  const at = Buffer.byteLength(plain(1, 20));
  for (const cut of [at - 1, at, at + 1, at + 8, at + 16, at + 23]) {
    const seen = await same([text.slice(0, cut), text.slice(cut)]);
    assert.deepEqual(seen.notes.map((note) => note.split(":").slice(1).join(":")), ["marker:split"], `cut at ${cut}`);
  }
});

test("carriage-return redraws resolve alike, and a marker after a redraw still notifies", async () => {
  const seen = await same([`${plain(1, 10)}10%\r50%\r100%\r\nsome junk\rOPENCODE_NOTIFY: after redraw\r\n\r\n${plain(14, 30)}`]);
  assert.ok(seen.lines.includes("11:100%"));
  assert.ok(seen.lines.includes("12:OPENCODE_NOTIFY: after redraw"));
  assert.deepEqual(seen.notes.map((note) => note.split(":").slice(1).join(":")), ["marker:after redraw"]);
});

test("a marker joined by a backspace or split by colour codes among coloured lines still notifies", async () => {
  const coloured = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `\u001b[3${i % 8}mcoloured ${from + i}\u001b[0m \u001b]8;;http://x\u0007link\u001b]8;;\u0007\r\n`).join("");
  const text = `${coloured(1, 100)}OPENCODE_NOTIFX\bY: joined\r\n\u001b[1mOPENCODE_NOTIFY:\u001b[0m bold\r\nOPENCODE_\u001b[0mNOTIFY: split\r\n${coloured(104, 300)}`;
  const seen = await same([text]);
  assert.deepEqual(seen.notes.map((note) => note.split(":").slice(1).join(":")), ["marker:joined", "marker:bold", "marker:split"]);
  assert.equal(seen.lines.at(-1), "300:coloured 300 link");
});

test("the wrapper's exit marker at the end flushes the unterminated last line", async () => {
  const seen = await same([`${plain(1, 200)}no newline at the end`, `${EXIT_MARKER_PREFIX}3\u0007`]);
  assert.deepEqual(seen.exits, [3]);
  assert.equal(seen.lines.at(-1), "201:no newline at the end");
  assert.equal(seen.pending, "");
  const inOne = await same([`${plain(1, 200)}tail${EXIT_MARKER_PREFIX}0\u0007`]);
  assert.deepEqual(inOne.exits, [0]);
  assert.equal(inOne.lines.at(-1), "201:tail");
});

test("output after the exit marker in the same chunk is flushed with it, as before", async () => {
  const seen = await same([`${plain(1, 10)}end${EXIT_MARKER_PREFIX}1\u0007\r\n${plain(12, 30)}next run's prompt$ `]);
  assert.deepEqual(seen.exits, [1]);
});

test("UTF-8 characters split across chunks decode whole; invalid bytes become U+FFFD alike", async () => {
  const text = Buffer.from(`${plain(1, 5)}héllo wörld ✓ 😀 ok\r\n${plain(7, 9)}日本語の行\r\n${plain(11, 30)}`);
  const start = text.indexOf(Buffer.from("héllo"));
  for (let cut = start; cut < start + 40; cut += 3) await same([text.subarray(0, cut), text.subarray(cut)]);
  const invalid = Buffer.concat([Buffer.from(plain(1, 5)), Buffer.from([0x61, 0xe2, 0x82, 0x0d, 0x0a, 0xff, 0x62, 0x0a, 0xc2, 0x9b, 0x33, 0x6d, 0x0a]), Buffer.from(plain(9, 30))]);
  const seen = await same([invalid]);
  assert.ok(seen.lines.includes("6:a\ufffd"));
});

test("more lines than the ring keeps: only the count of the older ones survives", async () => {
  const seen = await same([plain(1, 1000), plain(1001, 1500), "pending prompt> "], { maxLines: 100, maxChars: 10_000 });
  assert.equal(seen.last, 1500);
  assert.equal(seen.pending, "pending prompt> ");
});

test("lines longer than the splitter's cap are truncated alike", async () => {
  await same([`${plain(1, 5)}${"y".repeat(20_000)}\r\n${plain(7, 12)}`, `${"z".repeat(70_000)}\n${plain(14, 20)}`]);
});

test("markers before quietUntil are not raised again, those after are", async () => {
  const first = `${plain(1, 100)}OPENCODE_NOTIFY: old\r\n`;
  const seen = await same([`${first}${plain(102, 200)}OPENCODE_NOTIFY: new\r\n${plain(202, 300)}`], undefined, Buffer.byteLength(first));
  assert.deepEqual(seen.notes.map((note) => note.split(":").slice(1).join(":")), ["marker:new"]);
});

test("random pieces of text, escapes, markers and controls, cut anywhere, give the same result", async () => {
  let seed = 42;
  const random = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  const parts = ["plain text ", "a", "\r\n", "\n", "\r", "\t", "\b", "\u0007", "\u001b[31m", "\u001b]0;title\u0007", "\u001b", "OPENCODE_NOTIFY: m", "OPENCODE_NOTIFY:", "OPENCODE_\u001b[0mNOTIFY: q", "OPENCODE_NOTIFX\bY: b", "é", "😀", "\u009b", `${EXIT_MARKER_PREFIX}7\u0007`, "x".repeat(300)];
  for (let round = 0; round < 40; round++) {
    const text = Buffer.from(Array.from({ length: 400 }, () => parts[random(parts.length)]).join(""));
    const cuts = [...new Set(Array.from({ length: 1 + random(6) }, () => random(text.length)))].sort((a, b) => a - b);
    const pieces = [0, ...cuts].map((from, index) => text.subarray(from, [...cuts, text.length][index])).filter((piece) => piece.length > 0);
    await same(pieces, { maxLines: 1 + random(40), maxChars: 10_000 });
  }
});

test("scanLines: a line is plain unless it has the marker's bytes in order, the exit marker, or too many bytes", () => {
  const text = Buffer.from(
    [
      "ok line\r",
      "with\ttab",
      "OPENCODE_NOTIFY: m",
      "\u001b[1mbold",
      "bell\u0007",
      "µ sign",
      "O P E N C O D E _ N O T I F Y :",
      "OPENCODE_NOTIFY",
      `${EXIT_MARKER_PREFIX}0\u0007`,
      "a long long long line",
      "partial",
    ].join("\n"),
  );
  const seen: string[] = [];
  const rest = scanLines(text, 0, text.length, 16, (start, end, isPlain) => seen.push(`${isPlain ? "plain" : "other"}:${JSON.stringify(text.subarray(start, end - 1).toString())}`));
  assert.deepEqual(seen, [
    'plain:"ok line\\r"',
    'plain:"with\\ttab"',
    'other:"OPENCODE_NOTIFY: m"',
    'plain:"\\u001b[1mbold"',
    'plain:"bell\\u0007"',
    'plain:"µ sign"',
    'other:"O P E N C O D E _ N O T I F Y :"',
    'plain:"OPENCODE_NOTIFY"',
    'other:"\\u001b]777;opencode-bg-exit;0\\u0007"',
    'other:"a long long long line"',
  ]);
  assert.equal(text.subarray(rest).toString(), "partial");
});
