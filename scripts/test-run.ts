// The test runner behind `npm test` and `npm run test:ci`: runs test files concurrently, each in
// its own `node --test` process, and ends with a summary per suite and the slowest files.
//   node --import tsx scripts/test-run.ts [--jobs=N] [--e2e-jobs=N] [--script=NAME ...] [suite|file ...]
// Files may run side by side because each test file makes its own private tmux server (random
// socket name) and temp dirs, and every port is the OS's pick (listen(0) / freePort). Most of a
// test's time is waiting (tmux, sleeps, OpenCode's boot), so more files than cores pay off; the
// end-to-end files start the real OpenCode (~1 core for seconds each), so fewer of them at once.
// A file's output is printed in one piece when it ends (in full when it failed), never interleaved.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const ALL_SUITES = ["unit", "integration", "safety", "e2e"];
/** The summary's row of npm scripts run beside the files (--script=NAME). */
const SCRIPT_SUITE = "script";
/** Files that start the real OpenCode (the e2e suite, and *-e2e.test.ts elsewhere): capped separately (CPU-heavy). */
const HEAVY_SUITES = new Set(["e2e"]);
export const isHeavy = (file: string) => HEAVY_SUITES.has(suiteOf(file)) || file.endsWith("-e2e.test.ts");
/** Each file's seconds in the last run (git-ignored): the longest start first next time. */
export const TIMES_FILE = path.join(root, ".test-times.json");

export interface FileResult {
  file: string;
  suite: string;
  tests: number;
  passed: number;
  failed: number;
  seconds: number;
  /** CPU seconds (user + system) of the file's process and every descendant it reaped; undefined if unknown. */
  cpuSeconds?: number | undefined;
  /** The file's own report (spec reporter), and stderr. */
  output: string;
}

export interface RunOptions {
  files: string[];
  /** Seconds each file took last time; longest first (unknown files first of all: they may be long). */
  lastTimes?: Record<string, number>;
  /** Files at once. */
  jobs: number;
  /** Of those, files of HEAVY_SUITES at once. */
  heavyJobs: number;
  env: NodeJS.ProcessEnv;
  /** npm scripts run beside the files from the start (see runScript); they end before the files that run alone. */
  scripts?: readonly string[];
  /** Called as each file ends (in end order). */
  onFile?: (result: FileResult) => void;
}

/** test/<suite>/*.test.ts for each suite, sorted; a missing folder contributes nothing. */
export function suiteFiles(suites: readonly string[]): string[] {
  return suites.flatMap((suite) => {
    const dir = path.join(root, "test", suite);
    if (!existsSync(dir)) return [];
    return readdirSync(dir)
      .filter((name) => name.endsWith(".test.ts"))
      .sort()
      .map((name) => path.join("test", suite, name));
  });
}

/** Counts from the node test runner's TAP summary (the last "# pass N" etc. lines). */
export function tapCounts(tap: string): { passed: number; failed: number } | undefined {
  const last = (name: string) => {
    const all = [...tap.matchAll(new RegExp(`^# ${name} (\\d+)$`, "gm"))];
    const match = all.at(-1);
    return match ? Number(match[1]) : undefined;
  };
  const passed = last("pass");
  const failed = last("fail");
  if (passed === undefined || failed === undefined) return undefined;
  return { passed, failed: failed + (last("cancelled") ?? 0) };
}

/** "test/e2e/x.test.ts" -> "e2e". */
export function suiteOf(file: string): string {
  return path.basename(path.dirname(file));
}

/** Environment for tests: never the caller's own tmux server. */
export function testEnvironment(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env = { ...base };
  delete env.TMUX;
  delete env.TMUX_PANE;
  return env;
}

/**
 * The command runs under `sh`, whose `times` then writes the CPU its waited-for children used (the
 * command and every descendant reaped below it) to `cpuFile`: Node reports no children's rusage.
 * The script is fixed text; the command and its arguments pass as positional arguments.
 */
const CPU_WRAPPER = 'out=$1; shift; "$@"; code=$?; times > "$out"; exit $code';

/** User + system seconds of the children from `times` output (its second line), or undefined. */
export function childCpuSeconds(times: string): number | undefined {
  const line = times.split("\n")[1] ?? "";
  const parts = [...line.matchAll(/(\d+)m([\d.]+)s/g)].map((match) => Number(match[1]) * 60 + Number(match[2]));
  return parts.length === 2 ? parts[0]! + parts[1]! : undefined;
}

/** Runs `command`, collecting its stdout and stderr; `done` gets the exit code, the output and the CPU seconds; never rejects. */
function runProcess<T>(command: string, args: readonly string[], env: NodeJS.ProcessEnv, cpuFile: string, done: (code: number, output: string, cpuSeconds: number | undefined) => T): Promise<T> {
  forwardStops();
  return new Promise((resolve) => {
    let output = "";
    const cpu = () => {
      try {
        return childCpuSeconds(readFileSync(cpuFile, "utf8"));
      } catch {
        return undefined;
      }
    };
    // Its own process group, so a file that outlives the limit is ended whole (ours: by its pgid).
    const child = spawn("sh", ["-c", CPU_WRAPPER, "sh", cpuFile, command, ...args], { cwd: root, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
    liveFiles.add(child);
    child.once("close", () => liveFiles.delete(child));
    // A file whose process never exits (a leaked handle hung a whole npm test once) fails after
    // the limit instead of holding the suite, and CI, until their own time runs out.
    const limitMs = Number(env.OBG_TEST_FILE_LIMIT_MS ?? DEFAULT_FILE_LIMIT_MS);
    const limit = setTimeout(() => {
      output += `\ntest-run: no exit after ${limitMs / 1000} s: ended (SIGKILL to its process group)\n`;
      signalGroup(child, "SIGKILL");
    }, limitMs);
    child.stdout.setEncoding("utf8").on("data", (text: string) => (output += text));
    child.stderr.setEncoding("utf8").on("data", (text: string) => (output += text));
    child.once("error", (error) => {
      clearTimeout(limit);
      resolve(done(1, output + String(error), undefined));
    });
    child.once("close", (code, signal) => {
      clearTimeout(limit);
      resolve(done(code ?? (signal ? 1 : 0), output, cpu()));
    });
  });
}

/** Files running now, each in its own process group: a Ctrl-C of the runner no longer reaches them by itself. */
const liveFiles = new Set<ChildProcess>();
let forwarding = false;
function forwardStops(): void {
  if (forwarding) return;
  forwarding = true;
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      for (const child of liveFiles) signalGroup(child, signal);
      process.exit(signal === "SIGINT" ? 130 : 143);
    });
  }
}

/** Signals a file's whole process group (it was started detached, as the group's leader). */
function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (child.pid) process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

/** Longest one file (or script) may run (env OBG_TEST_FILE_LIMIT_MS): the slowest take ~1.5 min in a full run. */
const DEFAULT_FILE_LIMIT_MS = 15 * 60_000;

/**
 * `npm run NAME` (e.g. typecheck) beside the test files, one row "script" of the summary: a
 * type check needs no test's result and tests need no type check, so neither waits for the other.
 */
export function runScript(name: string, env: NodeJS.ProcessEnv, tmp: string): Promise<FileResult> {
  const started = Date.now();
  return runProcess("npm", ["run", name], env, path.join(tmp, `npm-run-${name.replace(/[^\w.-]+/g, "_")}.cpu`), (code, output, cpuSeconds) => {
    const failed = code === 0 ? 0 : 1;
    return { file: `npm run ${name}`, suite: SCRIPT_SUITE, tests: 1, passed: 1 - failed, failed, seconds: (Date.now() - started) / 1000, cpuSeconds, output };
  });
}

/** Runs one file in its own node test runner; never rejects. */
function runFile(file: string, env: NodeJS.ProcessEnv, tmp: string): Promise<FileResult> {
  const tap = path.join(tmp, `${file.replace(/[^\w.-]+/g, "_")}.tap`);
  const args = ["--import", "tsx", "--test", "--test-reporter=spec", "--test-reporter-destination=stdout",
    "--test-reporter=tap", `--test-reporter-destination=${tap}`, file];
  const started = Date.now();
  return runProcess(process.execPath, args, env, `${tap}.cpu`, (code, output, cpuSeconds) => {
    const counts = existsSync(tap) ? tapCounts(readFileSync(tap, "utf8")) : undefined;
    // A runner that died without a summary, or exited non-zero with none failed, still fails the file.
    const failed = counts ? counts.failed + (code !== 0 && counts.failed === 0 ? 1 : 0) : 1;
    const passed = counts?.passed ?? 0;
    return { file, suite: suiteOf(file), tests: passed + failed, passed, failed, seconds: (Date.now() - started) / 1000, cpuSeconds, output };
  });
}

/**
 * Files that must run with no other test beside them: kill-pid-reuse writes the kernel's
 * ns_last_pid so that a chosen pid is handed out next, and any process another test starts at that
 * moment can get it (a notify test's instance was SIGKILLed at start once, side by side with it).
 */
export function runsAlone(file: string): boolean {
  return /kill-pid-reuse\.test\.ts$/.test(file);
}

/**
 * Runs the files with at most `jobs` at once (`heavyJobs` of them end-to-end); the longest start
 * first (by the last run's times, else end-to-end first), so the short ones fill the gaps at the end.
 */
export async function runFiles(options: RunOptions): Promise<FileResult[]> {
  const tmp = mkdtempSync(path.join(os.tmpdir(), "obg-test-run-"));
  const heavy = isHeavy;
  const last = (file: string) => options.lastTimes?.[file] ?? (heavy(file) ? Infinity : 1e6);
  const waiting = options.files.filter((file) => !runsAlone(file)).sort((a, b) => last(b) - last(a));
  const results: FileResult[] = [];
  let running = 0;
  let heavyRunning = 0;
  const scripts = (options.scripts ?? []).map((name) => runScript(name, options.env, tmp).then((result) => {
    results.push(result);
    options.onFile?.(result);
  }));
  try {
    await new Promise<void>((resolve) => {
      const next = () => {
        if (waiting.length === 0 && running === 0) return resolve();
        while (running < options.jobs) {
          const index = waiting.findIndex((file) => !heavy(file) || heavyRunning < options.heavyJobs);
          if (index < 0) break;
          const [file] = waiting.splice(index, 1) as [string];
          running++;
          if (heavy(file)) heavyRunning++;
          void runFile(file, options.env, tmp).then((result) => {
            running--;
            if (heavy(file)) heavyRunning--;
            results.push(result);
            options.onFile?.(result);
            next();
          });
        }
      };
      next();
    });
    await Promise.all(scripts);
    // Then, one at a time with nothing beside them, the files that change the whole machine.
    for (const file of options.files.filter(runsAlone)) {
      const result = await runFile(file, options.env, tmp);
      results.push(result);
      options.onFile?.(result);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return results;
}

/** "12.3" CPU seconds, or "?" when unknown. */
const cpuText = (result: FileResult) => (result.cpuSeconds === undefined ? "?" : result.cpuSeconds.toFixed(1));

/** One line per finished file; a failed file's whole report follows its line. */
export function fileLine(result: FileResult): string {
  const head = `${result.failed ? "FAIL" : "ok  "} ${result.file}  ${result.passed}/${result.tests} passed  ${result.seconds.toFixed(1)} s  ${cpuText(result)} CPU-s`;
  return result.failed ? `${head}\n${result.output.trimEnd()}\n--- end of ${result.file}` : head;
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: string[]) => cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join("  ").trimEnd();
  return [line(header), ...rows.map(line)].join("\n");
}

/**
 * Per suite: files, tests, passed, failed, seconds (summed file time), CPU seconds; then the
 * slowest files and the files that used the most CPU. A file's CPU counts its processes and every
 * descendant they reaped, not a daemon such as a tmux server (it forks away from its client).
 */
export function summary(results: readonly FileResult[], wallSeconds: number, slowest = 10): string {
  const order = [...ALL_SUITES, SCRIPT_SUITE];
  const suites = [...new Set(results.map((r) => r.suite))].sort((a, b) => order.indexOf(a) - order.indexOf(b));
  const sum = (list: readonly FileResult[], key: "tests" | "passed" | "failed" | "seconds" | "cpuSeconds") => list.reduce((total, r) => total + (r[key] ?? 0), 0);
  const row = (name: string, list: readonly FileResult[]) =>
    [name, String(list.length), String(sum(list, "tests")), String(sum(list, "passed")), String(sum(list, "failed")), sum(list, "seconds").toFixed(1), sum(list, "cpuSeconds").toFixed(1)];
  const rows = suites.map((suite) => row(suite, results.filter((r) => r.suite === suite)));
  rows.push(row("all", results));
  const slow = [...results].sort((a, b) => b.seconds - a.seconds).slice(0, slowest);
  const hungry = [...results].sort((a, b) => (b.cpuSeconds ?? 0) - (a.cpuSeconds ?? 0)).slice(0, slowest);
  const line = (r: FileResult) => `  ${r.seconds.toFixed(1).padStart(6)} s  ${cpuText(r).padStart(6)} CPU-s  ${r.file}`;
  const failedFiles = results.filter((r) => r.failed > 0).map((r) => `  ${r.file} (${r.failed} failed)`);
  return [
    table(["suite", "files", "tests", "passed", "failed", "file s", "CPU s"], rows),
    "",
    `slowest ${slow.length} files:`,
    ...slow.map(line),
    "",
    `most CPU ${hungry.length} files:`,
    ...hungry.map(line),
    ...(failedFiles.length ? ["", "failed files:", ...failedFiles] : []),
    "",
    `${sum(results, "passed")} passed, ${sum(results, "failed")} failed in ${results.length} files, ${wallSeconds.toFixed(0)} s wall time, ${sum(results, "cpuSeconds").toFixed(0)} CPU-s`,
  ].join("\n");
}

/** The last run's seconds per file, or {} (no file, or unreadable). */
export function readTimes(file = TIMES_FILE): Record<string, number> {
  try {
    const value: unknown = JSON.parse(readFileSync(file, "utf8"));
    return value && typeof value === "object" ? (value as Record<string, number>) : {};
  } catch {
    return {};
  }
}

/** Remembers this run's seconds per file (merged over the older ones); a failure costs only the order. */
export function writeTimes(results: readonly FileResult[], file = TIMES_FILE): void {
  const times = readTimes(file);
  for (const result of results) if (result.suite !== SCRIPT_SUITE) times[result.file] = Math.round(result.seconds * 10) / 10;
  try {
    writeFileSync(file, `${JSON.stringify(times, null, 2)}\n`);
  } catch {
    // A read-only checkout: the next run orders by suite instead.
  }
}

/** Default concurrency: waiting-bound tests, so twice the cores (at least 4); e2e at most half. */
export function defaultJobs(): { jobs: number; heavyJobs: number } {
  const cores = os.availableParallelism?.() ?? os.cpus().length;
  const jobs = Math.max(4, cores * 2);
  return { jobs, heavyJobs: Math.max(1, Math.min(cores, Math.floor(jobs / 2))) };
}

/** Parses argv: --jobs=N, --e2e-jobs=N, --script=NAME (repeatable), and suites or files (default: every suite). */
export function parseRunArgs(argv: readonly string[]): { files: string[]; jobs: number; heavyJobs: number; scripts: string[] } {
  let { jobs, heavyJobs } = defaultJobs();
  const targets: string[] = [];
  const scripts: string[] = [];
  for (const arg of argv) {
    const number = (name: string) => {
      const value = Number(arg.slice(name.length + 3));
      if (!Number.isInteger(value) || value < 1) throw new Error(`${name} takes a whole number >= 1, got ${arg}`);
      return value;
    };
    if (arg.startsWith("--jobs=")) jobs = number("jobs");
    else if (arg.startsWith("--e2e-jobs=")) heavyJobs = number("e2e-jobs");
    else if (arg.startsWith("--script=") && arg.length > 9) scripts.push(arg.slice(9));
    else if (arg.startsWith("-")) throw new Error(`unknown option ${arg}; usage: test-run.ts [--jobs=N] [--e2e-jobs=N] [--script=NAME ...] [suite|file ...]`);
    else targets.push(arg);
  }
  const files = targets.length === 0
    ? suiteFiles(ALL_SUITES)
    : targets.flatMap((target) => (ALL_SUITES.includes(target) ? suiteFiles([target]) : [target]));
  return { files, jobs, heavyJobs: Math.min(heavyJobs, jobs), scripts };
}

async function main(): Promise<number> {
  let parsed: ReturnType<typeof parseRunArgs>;
  try {
    parsed = parseRunArgs(process.argv.slice(2));
  } catch (error) {
    console.error((error as Error).message);
    return 2;
  }
  const beside = parsed.scripts.length ? `; beside them: ${parsed.scripts.map((name) => `npm run ${name}`).join(", ")}` : "";
  console.log(`running ${parsed.files.length} test files, ${parsed.jobs} at once (end-to-end: ${parsed.heavyJobs})${beside}`);
  const started = Date.now();
  const results = await runFiles({ ...parsed, lastTimes: readTimes(), env: testEnvironment(), onFile: (result) => console.log(fileLine(result)) });
  writeTimes(results);
  console.log(`\n${summary(results, (Date.now() - started) / 1000)}`);
  return results.some((r) => r.failed > 0) || results.length === 0 ? 1 : 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main();
}
