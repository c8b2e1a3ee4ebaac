import { test } from "node:test";
import assert from "node:assert/strict";
import { compileGrep, GREP_MAX_CHARS } from "../../src/core/output/grep.js";
import { InvalidInputError } from "../../src/core/errors.js";

test("a grep pattern matches anywhere in a line; (?i) ignores case", () => {
  const filter = compileGrep("err(or)?|warn");
  assert.equal(filter.test("build: 2 errors"), true);
  assert.equal(filter.test("WARN: deprecated"), false);
  assert.equal(compileGrep("(?i)warn").test("WARN: deprecated"), true);
  assert.equal(compileGrep("^ok$").test("ok"), true);
  assert.equal(compileGrep("^ok$").test("not ok"), false);
});

test("pattern length is capped at GREP_MAX_CHARS, naming the field and the limit", () => {
  assert.doesNotThrow(() => compileGrep("a".repeat(GREP_MAX_CHARS)));
  assert.throws(() => compileGrep("a".repeat(GREP_MAX_CHARS + 1)), (error: unknown) =>
    error instanceof InvalidInputError && error.message === `grep is ${GREP_MAX_CHARS + 1} characters; the limit is ${GREP_MAX_CHARS}.`);
  assert.throws(() => compileGrep(""), /grep is empty/);
});

test("invalid and non-RE2 patterns are refused with the reason", () => {
  assert.throws(() => compileGrep("(unclosed"), (error: unknown) => error instanceof InvalidInputError && /grep "\(unclosed" is not a valid RE2 regular expression.*missing closing \)/.test(error.message));
  assert.throws(() => compileGrep("(?=lookahead)"), /not a valid RE2 regular expression/);
  assert.throws(() => compileGrep("(a)\\1"), /not a valid RE2 regular expression/);
  assert.throws(() => compileGrep("a{5000}"), /invalid repeat count/);
});

test("a pattern that backtracks catastrophically in JS RegExp gives the right answer on a long line", { timeout: 30_000 }, () => {
  // (a+)+$ against many a's then a b takes exponential time with a backtracking engine.
  const line = `${"a".repeat(100_000)}b`;
  assert.equal(compileGrep("(a+)+$").test(line), false);
  assert.equal(compileGrep("(a+)+b$").test(line), true);
  assert.equal(compileGrep("(x+x+)+y").test("x".repeat(50_000)), false);
});
