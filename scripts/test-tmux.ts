// Runs the test suites against the tmux our users have (the builds in ../shared/tools/tmux/).
//   npm run test:tmux -- 3.4        integration, safety and end-to-end suites with tmux 3.4 first on PATH
//   npm run test:tmux -- system 3.2a  the same on the system tmux, then on 3.2a
//   npm run test:tmux               every build found
//   npm run test:ci                 (CI) unit, integration, safety, e2e on the system tmux, then
//                                   integration, safety, e2e on each build of MATRIX; a missing
//                                   build is skipped with a printed line
// Ends with a summary per version and a closing "N passed, N failed" line; exits 1 if any suite
// failed. The builds folder is ../shared/tools/tmux beside the repository, or OPENCODE_BG_TMUX_BUILDS.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { defaultJobs, fileLine, readTimes, runFiles, suiteFiles, summary as fileSummary, tapCounts, testEnvironment, writeTimes } from "./test-run.js";

/** The releases we claim to support besides the system tmux (README "Requirements"). */
const MATRIX = ["3.2a", "3.4", "3.5a", "3.7c"];
const ALL_SUITES = ["unit", "integration", "safety", "e2e"];
const TMUX_SUITES = ["integration", "safety", "e2e"];
/**
 * Files whose subject does not change with tmux (npm installs, the notifier's rationing clock):
 * they run once, on the system tmux, which keeps the CI matrix inside its time.
 */
const SYSTEM_TMUX_ONLY = new Set(["fresh-install.test.ts", "packed-install.test.ts", "notify-cost-guard.test.ts", "tool-size.test.ts"]);

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const buildsDir = path.resolve(root, process.env.OPENCODE_BG_TMUX_BUILDS || "../shared/tools/tmux");

interface Run {
  /** "system" (tmux from PATH) or a build folder name such as "3.4". */
  version: string;
  suites: string[];
}

interface Result {
  version: string;
  /** What `tmux -V` said, or why the run did not happen. */
  label: string;
  suites: string[];
  passed: number;
  failed: number;
  seconds: number;
  skipped?: string;
}

export { suiteFiles, tapCounts };

function environmentFor(version: string): NodeJS.ProcessEnv {
  // Tests must never reach the caller's own tmux server.
  const env = testEnvironment();
  if (version !== "system") env.PATH = `${path.join(buildsDir, version)}${path.delimiter}${env.PATH ?? ""}`;
  return env;
}

function tmuxVersion(env: NodeJS.ProcessEnv): string | undefined {
  const result = spawnSync("tmux", ["-V"], { env, encoding: "utf8" });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

/** Set by --ci (see runSuites). */
let CI_ONE_AT_A_TIME = false;

/** Runs the suites' files through the test runner (scripts/test-run.ts: several files at once). */
async function runSuites(run: Run): Promise<Result> {
  const env = environmentFor(run.version);
  if (run.version !== "system" && !existsSync(path.join(buildsDir, run.version, "tmux"))) {
    return { version: run.version, label: "", suites: run.suites, passed: 0, failed: 0, seconds: 0, skipped: `no build at ${path.join(buildsDir, run.version)}` };
  }
  const said = tmuxVersion(env);
  const label = said ?? "tmux not found";
  const files = suiteFiles(run.suites).filter((file) => run.version === "system" || !SYSTEM_TMUX_ONLY.has(path.basename(file)));
  // CI runs one file at a time: 4 at once on 2 cores turned load-sensitive races into failures
  // (e.g. a kill right after create still reporting "running" on 3.2a) that the one-at-a-time CI
  // of the previous release did not show; `npm test` (local, faster) runs files side by side.
  const { jobs, heavyJobs } = CI_ONE_AT_A_TIME ? { jobs: 1, heavyJobs: 1 } : defaultJobs();
  console.log(`\n=== ${label} (${run.version === "system" ? "system" : path.join(buildsDir, run.version)}): ${run.suites.join(", ")} (${files.length} files, ${jobs} at once)\n`);
  if (!said) return { version: run.version, label, suites: run.suites, passed: 0, failed: 1, seconds: 0 };
  const started = Date.now();
  // Longest first by the system tmux's last times (npm test's); only the system run records them.
  const results = await runFiles({ files, jobs, heavyJobs, env, lastTimes: readTimes(), onFile: (result) => console.log(fileLine(result)) });
  if (run.version === "system") writeTimes(results);
  const seconds = Math.round((Date.now() - started) / 1000);
  console.log(`\n${fileSummary(results, seconds)}`);
  const passed = results.reduce((sum, r) => sum + r.passed, 0);
  const failed = results.reduce((sum, r) => sum + r.failed, 0) + (results.length === 0 ? 1 : 0);
  return { version: run.version, label, suites: run.suites, passed, failed, seconds };
}

function plan(argv: string[]): { runs: Run[]; missingIsError: boolean } {
  if (argv.includes("--ci")) {
    CI_ONE_AT_A_TIME = true;
    return { runs: [{ version: "system", suites: ALL_SUITES }, ...MATRIX.map((version) => ({ version, suites: TMUX_SUITES }))], missingIsError: false };
  }
  const versions = argv.filter((arg) => !arg.startsWith("-"));
  if (versions.length > 0) return { runs: versions.map((version) => ({ version, suites: TMUX_SUITES })), missingIsError: true };
  const found = existsSync(buildsDir) ? readdirSync(buildsDir).filter((name) => existsSync(path.join(buildsDir, name, "tmux"))).sort() : [];
  if (found.length === 0) console.log(`no tmux builds in ${buildsDir} (set OPENCODE_BG_TMUX_BUILDS): running on the system tmux only`);
  return { runs: [{ version: "system", suites: TMUX_SUITES }, ...found.map((version) => ({ version, suites: TMUX_SUITES }))], missingIsError: true };
}

function summary(results: readonly Result[]): string {
  const rows = results.map((r) =>
    r.skipped
      ? [r.version, "skipped", "", "", "", r.skipped]
      : [r.version, r.label.replace(/^tmux /, ""), String(r.passed), String(r.failed), `${r.seconds} s`, r.suites.join(" ")]);
  const header = ["tmux", "reports", "passed", "failed", "time", "suites"];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: string[]) => cells.map((cell, column) => cell.padEnd(widths[column]!)).join("  ").trimEnd();
  return [line(header), ...rows.map(line)].join("\n");
}

async function main(): Promise<number> {
  const { runs, missingIsError } = plan(process.argv.slice(2));
  const results: Result[] = [];
  for (const run of runs) {
    const result = await runSuites(run);
    if (result.skipped) {
      console.log(`\n=== tmux ${run.version}: skipped, ${result.skipped}`);
      if (missingIsError) result.failed = 1;
    } else {
      console.log(`\n=== ${result.label}: ${result.passed} passed, ${result.failed} failed (${result.seconds} s)`);
    }
    results.push(result);
  }
  const passed = results.reduce((sum, r) => sum + r.passed, 0);
  const failed = results.reduce((sum, r) => sum + r.failed, 0);
  console.log(`\n=== tmux matrix summary (builds: ${buildsDir})\n${summary(results)}\n`);
  console.log(`${passed} passed, ${failed} failed`);
  return failed > 0 ? 1 : 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main();
}
