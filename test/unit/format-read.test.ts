import { test } from "node:test";
import assert from "node:assert/strict";
import type { OutputRead } from "../../src/core/manager.js";
import { formatRead } from "../../src/plugin/format-read.js";

const read = (fields: Partial<OutputRead>): OutputRead => ({ lines: [], next: 1, dropped: false, pending: "", ...fields });
const lines = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => ({ no: from + i, text: `l${from + i}` }));

test("the header always carries the next cursor", () => {
  assert.deepEqual(formatRead(read({ lines: lines(3, 4), next: 5, firstKept: 1 }), { lines: 100 }), ["output (lines 3-4, next read since=5):", "l3", "l4"]);
  assert.deepEqual(formatRead(read({ next: 9, firstKept: 1 }), { lines: 100, since: 9 }), ["output: nothing new since line 9 (next read since=9)"]);
  assert.deepEqual(formatRead(read({ next: 1 }), { lines: 100 }), ["output: (none yet, next read since=1)"]);
  assert.deepEqual(formatRead(read({ next: 4, pending: "Password: " }), { lines: 100 }), [
    "output (next read since=4):",
    "Password:   <- no newline yet (waiting for input?)",
  ]);
});

test("notes say when lines came from disk, when more follow, and where older output is", () => {
  const fromDisk = formatRead(read({ lines: lines(1, 2), next: 3, more: true, fromDisk: { first: 1, last: 2 }, firstKept: 50 }), { lines: 2, since: 1 });
  assert.ok(fromDisk.includes("(lines 1-2 were read from the log file on disk: memory keeps lines from 50 on)"), fromDisk.join("\n"));
  assert.ok(fromDisk.includes("(more output follows: read again with since=3)"));
  const shortTail = formatRead(read({ lines: lines(50, 60), next: 61, firstKept: 50 }), { lines: 100 });
  assert.ok(shortTail.includes("(lines before 50 are not in memory: since=1 reads them from the log file)"));
  const fullTail = formatRead(read({ lines: lines(51, 60), next: 61, firstKept: 50 }), { lines: 10 });
  assert.equal(fullTail.length, 11, "no note when the tail asked for is all there");
  const gone = formatRead(read({ lines: lines(50, 51), next: 52, dropped: true, firstKept: 50 }), { lines: 10, since: 1 });
  assert.ok(gone.some((line) => line.includes("no longer in memory or in the log file")));
});

test("grep results name the pattern, the count and the range searched", () => {
  const found = formatRead(read({ lines: [{ no: 7, text: "ERROR x" }], next: 41, searched: { first: 1, last: 40 }, firstKept: 1 }), { lines: 100, since: 1, grep: "ERROR" });
  assert.equal(found[0], 'output matching "ERROR" (1 found in lines 1-40, next read since=41):');
  const none = formatRead(read({ next: 41, searched: { first: 1, last: 40 }, firstKept: 1 }), { lines: 100, since: 1, grep: "ERROR" });
  assert.deepEqual(none, ['output: no line matching "ERROR" in lines 1-40 (next read since=41)']);
});
