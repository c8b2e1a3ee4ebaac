// The tmux matrix runner's pure parts: which files a suite has, and the counts of a TAP report.
import { test } from "node:test";
import assert from "node:assert/strict";
import { suiteFiles, tapCounts } from "../../scripts/test-tmux.js";

test("suites expand to their test files; a missing suite folder adds none", () => {
  const files = suiteFiles(["unit", "no-such-suite"]);
  assert.ok(files.includes("test/unit/test-tmux.test.ts"));
  assert.ok(files.every((file) => file.startsWith("test/unit/") && file.endsWith(".test.ts")));
});

test("TAP counts: the final summary; cancelled count as failed; none without a summary", () => {
  const tap = "# Subtest: a\nok 1 - a\n# pass 1\n1..3\n# tests 3\n# pass 2\n# fail 0\n# cancelled 1\n# skipped 0\n";
  assert.deepEqual(tapCounts(tap), { passed: 2, failed: 1 });
  assert.equal(tapCounts("ok 1 - a\n"), undefined);
});
