// Wait conditions: accepted shapes, limits named in errors, RE2's linear-time matching, and the
// text a model reads for each kind of result.
import { test } from "node:test";
import assert from "node:assert/strict";
import { InvalidInputError } from "../../src/core/errors.js";
import { describeCondition, lineMatches, parseWaitCondition, parseWaitTimeout, WAIT_LIMITS } from "../../src/core/wait/wait-condition.js";
import type { WaitResult } from "../../src/core/wait/waiter.js";
import type { JobView } from "../../src/core/job/job.js";
import { formatWaited, formatWaitLines } from "../../src/plugin/wait-format.js";

const invalid = (pattern: RegExp) => (error: unknown) => error instanceof InvalidInputError && pattern.test(error.message);

test("exit, pattern and port are accepted; anything else is refused naming the field", () => {
  assert.deepEqual(parseWaitCondition("exit"), { kind: "exit" });
  assert.equal(parseWaitCondition({ port: 3000 }).kind, "port");
  const pattern = parseWaitCondition({ pattern: "ready in \\d+ ms", ignoreCase: true });
  assert.equal(describeCondition(pattern), "pattern /ready in \\d+ ms/i");
  assert.throws(() => parseWaitCondition("ready"), invalid(/^until must be "exit"/));
  assert.throws(() => parseWaitCondition({}), invalid(/exactly one of "pattern" or "port"/));
  assert.throws(() => parseWaitCondition({ pattern: "x", port: 1 }), invalid(/exactly one of "pattern" or "port"/));
  assert.throws(() => parseWaitCondition({ port: 0 }, "waitFor"), invalid(/^waitFor\.port must be a whole number from 1 to 65535; got 0/));
  assert.throws(() => parseWaitCondition({ port: 80.5 }), invalid(/until\.port/));
  assert.throws(() => parseWaitCondition({ pattern: "" }), invalid(/until\.pattern must be a non-empty/));
  assert.throws(() => parseWaitCondition({ pattern: "x", ignoreCase: "yes" }), invalid(/until\.ignoreCase must be true or false/));
});

test("patterns are capped in length and must be RE2 (no lookarounds, no backreferences)", () => {
  assert.doesNotThrow(() => parseWaitCondition({ pattern: "x".repeat(WAIT_LIMITS.patternChars) }));
  assert.throws(() => parseWaitCondition({ pattern: "x".repeat(WAIT_LIMITS.patternChars + 1) }), invalid(/is 501 characters; the limit is 500/));
  assert.throws(() => parseWaitCondition({ pattern: "(?<=a)b" }), invalid(/not a valid RE2/));
  assert.throws(() => parseWaitCondition({ pattern: "(a)\\1" }), invalid(/not a valid RE2/));
  assert.throws(() => parseWaitCondition({ pattern: "(unclosed" }), invalid(/missing closing \)/));
});

test("a pattern matches anywhere in a line, case-sensitive unless asked", () => {
  const exact = parseWaitCondition({ pattern: "Listening on \\d+" });
  const loose = parseWaitCondition({ pattern: "listening", ignoreCase: true });
  assert.ok(exact.kind === "pattern" && loose.kind === "pattern");
  assert.equal(lineMatches(exact, "server: Listening on 8080"), true);
  assert.equal(lineMatches(exact, "server: listening on 8080"), false);
  assert.equal(lineMatches(loose, "LISTENING"), true);
});

test("a catastrophic-backtracking pattern runs in linear time on a long line", () => {
  const evil = parseWaitCondition({ pattern: "^(a+)+$" });
  assert.ok(evil.kind === "pattern");
  // A backtracking engine needs ~2^100000 steps here; RE2 scans the line once.
  assert.equal(lineMatches(evil, `${"a".repeat(100_000)}!`), false);
  assert.equal(lineMatches(evil, "a".repeat(100_000)), true);
});

test("a look-alike object is validated, not trusted", () => {
  assert.throws(() => parseWaitCondition({ kind: "port", port: 99999 }), invalid(/until\.port/));
});

test("timeoutMs defaults to 60 s and is bounded at 10 minutes", () => {
  assert.equal(parseWaitTimeout(undefined), 60_000);
  assert.equal(parseWaitTimeout(0), 0);
  assert.equal(parseWaitTimeout(600_000), 600_000);
  assert.throws(() => parseWaitTimeout(600_001), invalid(/^timeoutMs must be a whole number of milliseconds from 0 to 600000/));
  assert.throws(() => parseWaitTimeout(-1, "waitTimeoutMs"), invalid(/^waitTimeoutMs/));
});

test("each result kind reads as one plain line after what was waited for", () => {
  const job = { id: "abcd1234", name: "web", status: "running" } as JobView;
  const base = { job, waitedMs: 1234, timeoutMs: 60_000, tail: { lines: [], next: 1, dropped: false, pending: "" } };
  const lines = (result: Partial<WaitResult>) => formatWaitLines({ ...base, satisfied: false, ...result } as WaitResult);
  const pattern = parseWaitCondition({ pattern: "ready" });
  assert.deepEqual(lines({ outcome: "matched", condition: pattern, satisfied: true, line: { no: 7, text: "ready in 80 ms" } }), [
    "waited for: pattern /ready/ (up to 1m00s)",
    "result: matched after 1.2s, line 7: ready in 80 ms",
  ]);
  assert.equal(lines({ outcome: "port-open", condition: parseWaitCondition({ port: 5173 }), host: "::1" })[1], "result: port 5173 accepts connections on ::1 (after 1.2s)");
  assert.equal(lines({ outcome: "exited", condition: pattern })[1], "result: the process ended before pattern /ready/ was seen (after 1.2s)");
  assert.equal(lines({ outcome: "exited", condition: parseWaitCondition("exit"), satisfied: true })[1], "result: the process ended after 1.2s");
  assert.match(lines({ outcome: "timeout", condition: pattern })[1] ?? "", /^result: timed out after 1\.2s: pattern \/ready\/ not seen yet; the process is running\./);
  assert.equal(formatWaited(600_000), "10m00s");
});
