import assert from "node:assert/strict";
import { test } from "node:test";
import { LineRing } from "../../src/core/output/ring-buffer.js";

test("empty ring", () => {
  const ring = new LineRing();
  assert.equal(ring.first, 1);
  assert.equal(ring.last, 0);
  assert.equal(ring.totalLines, 0);
  assert.equal(ring.size, 0);
  assert.deepEqual(ring.tail(10), []);
  assert.deepEqual(ring.since(1), { lines: [], next: 1, dropped: false });
});

test("push numbers lines from 1 and tail returns the newest, oldest first", () => {
  const ring = new LineRing();
  assert.equal(ring.push("a"), 1);
  assert.equal(ring.push("b"), 2);
  assert.equal(ring.push("c"), 3);
  assert.deepEqual(ring.tail(2), [
    { no: 2, text: "b" },
    { no: 3, text: "c" },
  ]);
  assert.equal(ring.tail(10).length, 3);
  assert.deepEqual(ring.tail(0), []);
});

test("count bound drops the oldest lines; numbering stays absolute after wrap", () => {
  const ring = new LineRing({ maxLines: 3 });
  for (let i = 1; i <= 10; i++) ring.push(`line ${i}`);
  assert.equal(ring.length, 3);
  assert.equal(ring.first, 8);
  assert.equal(ring.last, 10);
  assert.equal(ring.totalLines, 10);
  assert.deepEqual(ring.tail(3), [
    { no: 8, text: "line 8" },
    { no: 9, text: "line 9" },
    { no: 10, text: "line 10" },
  ]);
  assert.equal(ring.size, "line 8line 9line 10".length);
});

test("wraps correctly while the storage grows past its first capacity", () => {
  const ring = new LineRing({ maxLines: 200 });
  for (let i = 1; i <= 1000; i++) ring.push(String(i));
  const kept = ring.tail(200);
  assert.equal(kept.length, 200);
  kept.forEach((line, i) => assert.deepEqual(line, { no: 801 + i, text: String(801 + i) }));
});

test("char bound drops the oldest lines", () => {
  const ring = new LineRing({ maxChars: 10 });
  ring.push("aaaa");
  ring.push("bbbb");
  assert.equal(ring.size, 8);
  ring.push("cccc");
  assert.equal(ring.size, 8);
  assert.equal(ring.first, 2);
  assert.deepEqual(ring.tail(5).map((l) => l.text), ["bbbb", "cccc"]);
});

test("a single line longer than maxChars is cut to fit, without splitting a surrogate pair", () => {
  const ring = new LineRing({ maxChars: 5 });
  ring.push("old");
  ring.push("abcdefgh");
  assert.deepEqual(ring.tail(5), [{ no: 2, text: "abcde" }]);
  ring.push("abcd🎉");
  assert.deepEqual(ring.tail(1), [{ no: 3, text: "abcd" }]);
  assert.ok(ring.size <= 5);
});

test("since returns the lines from a number on and where to continue", () => {
  const ring = new LineRing();
  for (const t of ["a", "b", "c", "d"]) ring.push(t);
  assert.deepEqual(ring.since(3), {
    lines: [
      { no: 3, text: "c" },
      { no: 4, text: "d" },
    ],
    next: 5,
    dropped: false,
  });
  assert.deepEqual(ring.since(1, 2), {
    lines: [
      { no: 1, text: "a" },
      { no: 2, text: "b" },
    ],
    next: 3,
    dropped: false,
  });
});

test("since before the first kept line sets dropped", () => {
  const ring = new LineRing({ maxLines: 2 });
  for (const t of ["a", "b", "c", "d"]) ring.push(t);
  assert.deepEqual(ring.since(1), {
    lines: [
      { no: 3, text: "c" },
      { no: 4, text: "d" },
    ],
    next: 5,
    dropped: true,
  });
  assert.equal(ring.since(3).dropped, false);
});

test("since past the end returns nothing and leaves next unchanged", () => {
  const ring = new LineRing();
  ring.push("a");
  assert.deepEqual(ring.since(2), { lines: [], next: 2, dropped: false });
  assert.deepEqual(ring.since(50), { lines: [], next: 50, dropped: false });
  ring.push("b");
  assert.deepEqual(ring.since(2), { lines: [{ no: 2, text: "b" }], next: 3, dropped: false });
});

test("startAt numbers from an offset; earlier lines count as dropped", () => {
  const ring = new LineRing({ startAt: 500 });
  assert.equal(ring.first, 500);
  assert.equal(ring.last, 499);
  assert.deepEqual(ring.since(1), { lines: [], next: 500, dropped: true });
  assert.equal(ring.push("x"), 500);
  ring.push("y");
  assert.equal(ring.totalLines, 501);
  assert.deepEqual(ring.since(1), {
    lines: [
      { no: 500, text: "x" },
      { no: 501, text: "y" },
    ],
    next: 502,
    dropped: true,
  });
  assert.deepEqual(ring.since(501).lines, [{ no: 501, text: "y" }]);
});

test("rejects bad options", () => {
  assert.throws(() => new LineRing({ maxLines: 0 }), RangeError);
  assert.throws(() => new LineRing({ maxChars: 1.5 }), RangeError);
  assert.throws(() => new LineRing({ startAt: 0 }), RangeError);
});

test("skip counts lines it does not keep: what was kept goes, numbering continues after them", () => {
  const ring = new LineRing({ maxLines: 3 });
  ring.push("a");
  ring.push("b");
  ring.skip(0);
  assert.equal(ring.last, 2);
  ring.skip(5);
  assert.equal(ring.last, 7);
  assert.equal(ring.length, 0);
  assert.equal(ring.size, 0);
  assert.deepEqual(ring.since(1), { lines: [], next: 8, dropped: true });
  assert.equal(ring.push("c"), 8);
  assert.deepEqual(ring.tail(5), [{ no: 8, text: "c" }]);
});
