// Reads over a real log file and the ring the real tailer built from it: the line numbers of
// disk reads must match the ring's, and paging must neither skip nor repeat a line.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { LogTailer } from "../../src/core/output/log-tailer.js";
import { readOutput, type OutputQuery, type ReadLimits } from "../../src/core/output/output-reader.js";
import { EXIT_MARKER_PREFIX } from "../../src/core/launch/wrapper.js";

const dir = await mkdtemp(path.join(os.tmpdir(), "obg-reader-"));
after(() => rm(dir, { recursive: true, force: true }));
let files = 0;

/** Writes `raw` as a log, tails it into a ring of `ringLines`, and returns a reader over both. */
async function logWith(raw: string, ringLines: number, resumeTailBytes?: number) {
  const logPath = path.join(dir, `log-${files++}`);
  await writeFile(logPath, raw);
  const tailer = new LogTailer({ logPath, maxLines: ringLines, maxChars: 1024 * 1024, events: {} });
  if (resumeTailBytes === undefined) await tailer.read();
  else await tailer.resume(resumeTailBytes);
  const source = { ring: tailer.ring, pending: tailer.pendingLine(), logPath };
  return { source, logPath, read: (query: OutputQuery, limits?: ReadLimits) => readOutput(source, query, limits) };
}

// Line i is "line i" in red, with CRLF ends as a terminal writes them.
const numbered = (count: number, from = 1) => Array.from({ length: count }, (_, i) => `\u001b[31mline ${from + i}\u001b[0m\r\n`).join("");
const texts = (read: { lines: { no: number; text: string }[] }) => read.lines.map((line) => `${line.no}:${line.text}`);
const expected = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `${from + i}:line ${from + i}`);

test("since inside the ring reads memory only; since before it reads the log file with the same numbers", async () => {
  const log = await logWith(numbered(300), 100);
  assert.equal(log.source.ring.first, 201);

  const recent = await log.read({ since: 250 });
  assert.deepEqual(texts(recent), expected(250, 300));
  assert.equal(recent.next, 301);
  assert.equal(recent.fromDisk, undefined);
  assert.equal(recent.more, false);

  const old = await log.read({ since: 1, lines: 100 });
  assert.deepEqual(texts(old), expected(1, 100));
  assert.deepEqual(old.fromDisk, { first: 1, last: 100 });
  assert.equal(old.next, 101);
  assert.equal(old.more, true);
  assert.equal(old.dropped, false);

  // A read that starts on disk continues in memory without a seam.
  const across = await log.read({ since: 190, lines: 20 });
  assert.deepEqual(texts(across), expected(190, 209));
  assert.deepEqual(across.fromDisk, { first: 190, last: 200 });
  assert.equal(across.next, 210);

  const all = await log.read({ since: 1 });
  assert.deepEqual(texts(all), expected(1, 300));
  assert.equal(all.more, false);

  const nothingNew = await log.read({ since: 301 });
  assert.deepEqual(nothingNew.lines, []);
  assert.equal(nothingNew.next, 301);
});

test("paging with since and lines visits every line once, in order, across disk and memory", async () => {
  const log = await logWith(numbered(300), 100);
  const seen: string[] = [];
  let cursor = 1;
  for (let reads = 0; cursor <= 300; reads++) {
    assert.ok(reads < 20, "paging ends");
    const page = await log.read({ since: cursor, lines: 70 });
    seen.push(...texts(page));
    assert.ok(page.next > cursor, "the cursor moves forward");
    cursor = page.next;
  }
  assert.deepEqual(seen, expected(1, 300));
});

test("the byte bound stops a disk read early; the cursor continues exactly there", async () => {
  const log = await logWith(numbered(20_000), 100);
  const limits = { diskLines: 100_000, diskBytes: 100_000 };
  const first = await log.read({ since: 1, lines: 100_000 }, limits);
  assert.ok(first.lines.length > 0 && first.lines.length < 19_900, `stopped early after ${first.lines.length} lines`);
  assert.equal(first.more, true);
  assert.equal(first.next, first.lines.length + 1);
  const seen = texts(first);
  for (let cursor = first.next, reads = 0; cursor <= 20_000; reads++) {
    assert.ok(reads < 200, "paging ends");
    const page = await log.read({ since: cursor, lines: 100_000 }, limits);
    seen.push(...texts(page));
    cursor = page.next;
  }
  assert.deepEqual(seen, expected(1, 20_000));
});

test("the disk line cap bounds a read without lines", async () => {
  const log = await logWith(numbered(500), 100);
  const read = await log.read({ since: 1 }, { diskLines: 50, diskBytes: 1024 * 1024 });
  assert.deepEqual(texts(read), expected(1, 50));
  assert.equal(read.next, 51);
  assert.equal(read.more, true);
});

test("grep filters what is shown; the cursor passes the lines searched, on disk and in memory", async () => {
  const log = await logWith(numbered(300), 100);
  const endsIn5 = "^line \\d*5$";
  const firstTen = await log.read({ since: 1, lines: 10, grep: endsIn5 });
  assert.deepEqual(firstTen.lines.map((line) => line.no), [5, 15, 25, 35, 45, 55, 65, 75, 85, 95]);
  assert.equal(firstTen.next, 96);
  assert.deepEqual(firstTen.searched, { first: 1, last: 95 });
  const rest = await log.read({ since: firstTen.next, lines: 100, grep: endsIn5 });
  assert.equal(rest.lines.length, 20);
  assert.equal(rest.lines[0]?.no, 105);
  assert.equal(rest.lines.at(-1)?.no, 295);
  assert.equal(rest.next, 301);
  assert.equal(rest.more, false);

  // Tail grep searches memory: the last 3 matches of lines 201-300.
  const tail = await log.read({ lines: 3, grep: endsIn5 });
  assert.deepEqual(tail.lines.map((line) => line.no), [275, 285, 295]);
  assert.deepEqual(tail.searched, { first: 201, last: 300 });
  assert.equal(tail.next, 301);
  assert.equal(tail.firstKept, 201);

  // The same range read without grep still has every line: grep consumed nothing.
  assert.deepEqual(texts(await log.read({ since: 96, lines: 10 })), expected(96, 105));
  await assert.rejects(log.read({ since: 1, grep: "(" }), /grep "\(" is not a valid RE2/);
});

test("the line the exit marker ends (no newline) gets the same number from disk as in memory", async () => {
  const raw = `one\r\ntwo\r\nlast words${EXIT_MARKER_PREFIX}0\u0007`;
  const log = await logWith(raw, 1);
  assert.deepEqual(texts(await log.read({ lines: 5 })), ["3:last words"]);
  assert.deepEqual(texts(await log.read({ since: 1 })), ["1:one", "2:two", "3:last words"]);
});

test("a resumed tailer (only the log's tail loaded) and disk reads agree on numbers", async () => {
  const raw = numbered(1000);
  const log = await logWith(raw, 2000, 1000);
  const firstKept = log.source.ring.first;
  assert.ok(firstKept > 900 && firstKept < 1000, `ring starts at ${firstKept}`);
  assert.deepEqual(texts(await log.read({ since: firstKept - 5, lines: 10 })), expected(firstKept - 5, firstKept + 4));
  const tail = await log.read({ lines: 5000 });
  assert.equal(tail.lines.length, 1001 - firstKept);
  assert.equal(tail.firstKept, firstKept);
});

test("a log that lost the lines the ring dropped: the read says so and carries on from memory", async () => {
  const log = await logWith(numbered(300), 100);
  await writeFile(log.logPath, numbered(50, 1));
  const read = await log.read({ since: 1 });
  assert.equal(read.dropped, true);
  assert.deepEqual(texts(read), [...expected(1, 50), ...expected(201, 300)]);
  assert.equal(read.next, 301);
});

test("invalid since is refused; lines 0 returns only the cursor", async () => {
  const log = await logWith(numbered(10), 100);
  await assert.rejects(log.read({ since: Number.NaN }), /since must be a line number/);
  const cursorOnly = await log.read({ lines: 0 });
  assert.deepEqual(cursorOnly.lines, []);
  assert.equal(cursorOnly.next, 11);
});
