// The test runner's pure parts: what it runs, which files count as heavy, and its closing summary.
import { test } from "node:test";
import assert from "node:assert/strict";
import { isHeavy, parseRunArgs, runFiles, summary, testEnvironment, type FileResult } from "../../scripts/test-run.js";

const result = (file: string, seconds: number, failed = 0): FileResult => ({ file, suite: file.split("/")[1]!, tests: 3, passed: 3 - failed, failed, seconds, output: "" });

test("the runner takes suites or files; with none it runs every suite", () => {
  const all = parseRunArgs([]).files;
  for (const suite of ["unit", "integration", "safety", "e2e"]) assert.ok(all.some((file) => file.startsWith(`test/${suite}/`)), suite);
  assert.ok(parseRunArgs(["unit"]).files.every((file) => file.startsWith("test/unit/")));
  assert.deepEqual(parseRunArgs(["--jobs=3", "test/unit/grep.test.ts"]), { files: ["test/unit/grep.test.ts"], jobs: 3, heavyJobs: parseRunArgs(["--jobs=3"]).heavyJobs, scripts: [] });
  assert.deepEqual(parseRunArgs(["--script=typecheck", "unit"]).scripts, ["typecheck"]);
  assert.throws(() => parseRunArgs(["--jobs=0"]), /whole number/);
  assert.throws(() => parseRunArgs(["--fast"]), /unknown option/);
});

test("files that start the real OpenCode are heavy: the e2e suite and *-e2e files", () => {
  assert.ok(isHeavy("test/e2e/tui.test.ts"));
  assert.ok(isHeavy("test/safety/secrets-e2e.test.ts"));
  assert.ok(!isHeavy("test/safety/secrets.test.ts"));
});

test("the summary gives each suite's files, tests, passed, failed and seconds, the slowest files and the failed ones", () => {
  const text = summary([result("test/unit/a.test.ts", 1), result("test/e2e/b.test.ts", 30, 1), result("test/unit/c.test.ts", 2)], 31);
  assert.match(text, /^unit\s+2\s+6\s+6\s+0\s+3\.0$/m);
  assert.match(text, /^e2e\s+1\s+3\s+2\s+1\s+30\.0$/m);
  assert.match(text, /^all\s+3\s+9\s+8\s+1\s+33\.0$/m);
  assert.match(text, /slowest 3 files:\n\s+30\.0 s  test\/e2e\/b\.test\.ts\n\s+2\.0 s  test\/unit\/c\.test\.ts/);
  assert.match(text, /failed files:\n  test\/e2e\/b\.test\.ts \(1 failed\)/);
  assert.match(text, /8 passed, 1 failed in 3 files, 31 s wall time$/);
});

test("an npm script run beside the files (--script=NAME) is a row of its own after the suites, and its failure fails the run", async () => {
  const results = await runFiles({ files: [], scripts: ["no-such-script"], jobs: 1, heavyJobs: 1, env: testEnvironment() });
  assert.equal(results.length, 1);
  assert.equal(results[0]!.file, "npm run no-such-script");
  assert.equal(results[0]!.failed, 1);
  assert.match(results[0]!.output, /no-such-script/, "its output is kept for the failure report");
  const text = summary([result("test/unit/a.test.ts", 1), ...results], 2);
  assert.match(text, /^unit\s+1\s+3\s+3\s+0\s+1\.0$\nscript\s+1\s+1\s+0\s+1\s/m);
  assert.match(text, /failed files:\n  npm run no-such-script \(1 failed\)/);
});
