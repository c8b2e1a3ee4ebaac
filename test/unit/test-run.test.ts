// The test runner's pure parts: what it runs, which files count as heavy, and its closing summary.
import { test } from "node:test";
import assert from "node:assert/strict";
import { childCpuSeconds, isHeavy, parseRunArgs, runFiles, summary, testEnvironment, type FileResult } from "../../scripts/test-run.js";

const result = (file: string, seconds: number, failed = 0, cpuSeconds = seconds * 2): FileResult => ({ file, suite: file.split("/")[1]!, tests: 3, passed: 3 - failed, failed, seconds, cpuSeconds, output: "" });

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

test("the summary gives each suite's files, tests, passed, failed, seconds and CPU seconds, the slowest files, the most CPU and the failed ones", () => {
  const text = summary([result("test/unit/a.test.ts", 1, 0, 9), result("test/e2e/b.test.ts", 30, 1), result("test/unit/c.test.ts", 2)], 31);
  assert.match(text, /^unit\s+2\s+6\s+6\s+0\s+3\.0\s+13\.0$/m);
  assert.match(text, /^e2e\s+1\s+3\s+2\s+1\s+30\.0\s+60\.0$/m);
  assert.match(text, /^all\s+3\s+9\s+8\s+1\s+33\.0\s+73\.0$/m);
  assert.match(text, /slowest 3 files:\n\s+30\.0 s\s+60\.0 CPU-s  test\/e2e\/b\.test\.ts\n\s+2\.0 s\s+4\.0 CPU-s  test\/unit\/c\.test\.ts/);
  assert.match(text, /most CPU 3 files:\n\s+30\.0 s\s+60\.0 CPU-s  test\/e2e\/b\.test\.ts\n\s+1\.0 s\s+9\.0 CPU-s  test\/unit\/a\.test\.ts/);
  assert.match(text, /failed files:\n  test\/e2e\/b\.test\.ts \(1 failed\)/);
  assert.match(text, /8 passed, 1 failed in 3 files, 31 s wall time, 73 CPU-s$/);
});

test("a file's CPU seconds are its children's user + system time from sh's `times` (dash and bash formats)", () => {
  assert.equal(childCpuSeconds("0m0.000000s 0m0.000000s\n1m2.500000s 0m0.250000s\n"), 62.75);
  assert.equal(childCpuSeconds("0m0.001s 0m0.002s\n0m3.000s 0m1.000s\n"), 4);
  assert.equal(childCpuSeconds(""), undefined);
});

test("the runner measures the CPU a file burns, its reaped child processes included", async () => {
  // Without the outer test runner's marker, or the inner one reports to it instead of running as `npm test`'s.
  const { NODE_TEST_CONTEXT: _, ...env } = testEnvironment();
  const [burn] = await runFiles({ files: ["test/fixtures/cpu-burn.ts"], jobs: 1, heavyJobs: 1, env });
  assert.equal(burn!.passed, 1, burn!.output);
  assert.ok((burn!.cpuSeconds ?? 0) >= 0.5, `${burn!.cpuSeconds} CPU-s`);
});

test("an npm script run beside the files (--script=NAME) is a row of its own after the suites, and its failure fails the run", async () => {
  const results = await runFiles({ files: [], scripts: ["no-such-script"], jobs: 1, heavyJobs: 1, env: testEnvironment() });
  assert.equal(results.length, 1);
  assert.equal(typeof results[0]!.cpuSeconds, "number", "a script's CPU is measured as a file's");
  assert.equal(results[0]!.file, "npm run no-such-script");
  assert.equal(results[0]!.failed, 1);
  assert.match(results[0]!.output, /no-such-script/, "its output is kept for the failure report");
  const text = summary([result("test/unit/a.test.ts", 1), ...results], 2);
  assert.match(text, /^unit\s+1\s+3\s+3\s+0\s+1\.0\s+2\.0$\nscript\s+1\s+1\s+0\s+1\s/m);
  assert.match(text, /failed files:\n  npm run no-such-script \(1 failed\)/);
});

test("a file whose process never exits is ended after the time limit and fails the run", async () => {
  const { NODE_TEST_CONTEXT: _, ...base } = testEnvironment();
  const env = { ...base, OBG_TEST_FILE_LIMIT_MS: "3000" };
  const [hung] = await runFiles({ files: ["test/fixtures/never-exits.ts"], jobs: 1, heavyJobs: 1, env });
  assert.ok(hung);
  assert.ok(hung.failed > 0, "counted as failed");
  assert.ok(hung.seconds < 60, `ended by the limit, not by itself (${hung.seconds} s)`);
  assert.match(hung.output, /no exit after 3 s/);
});
