// The "errors" preset and the watch detector, as pure logic: which lines are events.
import { test } from "node:test";
import assert from "node:assert/strict";
import { compileWatch, parseWatchList } from "../../src/core/notify/watch-spec.js";
import { JobWatches } from "../../src/core/notify/job-watches.js";
import { InvalidInputError } from "../../src/core/errors.js";

const errors = compileWatch("errors").regex;

test("the errors preset matches the usual error shapes of compilers, test runners and dev servers", () => {
  const shapes = [
    "src/app.ts(3,7): error TS2322: Type 'string' is not assignable to type 'number'.",
    "src/app.ts:3:7 - error TS2304: Cannot find name 'x'.",
    "error[E0308]: mismatched types",
    "error: could not compile `app` due to 2 previous errors",
    "main.c:4:5: error: expected ';' before 'return'",
    "./main.go:12:5: undefined: foo",
    " FAIL  src/sum.test.ts > adds",
    "FAIL src/app.test.js",
    "--- FAIL: TestSum (0.00s)",
    "FAILED tests/test_app.py::test_sum - assert 1 == 2",
    "ERROR tests/test_db.py - ModuleNotFoundError",
    "not ok 3 - adds numbers",
    "    not ok 1 - nested",
    "[vite] Internal server error: Failed to resolve import",
    "Failed to compile.",
    "ERROR in ./src/index.js 3:0",
    "Error: listen EADDRINUSE: address already in use :::3000",
    "TypeError: Cannot read properties of undefined (reading 'x')",
    "Uncaught ReferenceError: x is not defined",
    "Traceback (most recent call last):",
    "panic: runtime error: index out of range",
    "thread 'main' panicked at src/main.rs:2:5:",
  ];
  for (const line of shapes) assert.ok(errors.test(line), line);
});

test("the errors preset leaves ordinary output alone", () => {
  const ordinary = [
    "compiled module 5000 ok",
    "  VITE v5.0.0  ready in 300 ms",
    "ok 1 - adds numbers",
    "Found 0 errors. Watching for file changes.",
    "PASS src/sum.test.ts",
    "error handling middleware registered",
    "GET /errors 200 3ms",
    "tests passed: 12, failed: 0",
  ];
  for (const line of ordinary) assert.ok(!errors.test(line), line);
});

test("watch lists: a string or strings, deduplicated; too many, too long or not RE2 is one error", () => {
  assert.deepEqual(parseWatchList("errors"), ["errors"]);
  assert.deepEqual(parseWatchList(["a", " a ", "b"]), ["a", "b"]);
  assert.throws(() => parseWatchList(Array.from({ length: 11 }, (_, i) => `p${i}`)), InvalidInputError);
  assert.throws(() => parseWatchList(["x".repeat(301)]), InvalidInputError);
  assert.throws(() => parseWatchList(["(a"]), /not a valid RE2/);
  assert.throws(() => parseWatchList([""]), InvalidInputError);
});

test("the detector: markers first, then readiness once, then watches with the lines before as context", () => {
  const watches = new JobWatches();
  watches.adopt("j", { version: 1, watches: ["boom"], ready: { pattern: "listening" } });
  const context = (end: number, before: string[] = []) => ({ before: (n: number) => before.slice(-n), end: () => end, lineNo: 7 });
  assert.deepEqual(watches.detect("j", "OPENCODE_NOTIFY: hi boom", context(10)), { kind: "marker", message: "hi boom" });
  assert.equal(watches.detect("j", "nothing", context(20)), undefined);
  assert.equal(watches.detect("j", "listening on 1", context(30))?.kind, "ready");
  assert.equal(watches.detect("j", "listening on 2", context(40)), undefined, "ready once");
  assert.equal(watches.detect("j", "listening on 1", context(30), undefined, true)?.kind, "ready", "a re-scan finds the recorded line again");
  const match = watches.detect("j", "boom!", context(50, ["a", "b", "c", "d"]));
  assert.equal(match?.kind, "watch");
  assert.equal(match?.message, "b\nc\nd\nboom!");
  assert.match(match?.title ?? "", /matching watch "boom" \(line 7\)/);
  assert.equal(watches.view("j")?.matches, 1);
  assert.equal(watches.detect("other", "boom", context(1)), undefined, "a job without watches has only markers");
});
