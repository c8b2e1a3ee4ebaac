// `npm run bench`: measures opencode-bg's core against the original piped-spawn way, on a private
// tmux server, and prints figures as JSON (stdout, .bench/results.json) plus a table (stderr).
// Figures, never assertions: each has a target and `met`, and the run exits 0 unless it broke.
// Everything it starts is torn down at the end, also on failure or Ctrl-C: the private tmux
// server by its socket, baseline processes by their pids.
import { execFileSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { createTmuxSandbox, type TmuxSandbox } from "../test/helpers/tmux-sandbox.js";
import { parseArgs, type BenchArgs, type CaseName } from "./bench/args.js";
import { killRemembered } from "./bench/baseline.js";
import { tmuxServerPid, withTimeout, type BenchContext } from "./bench/context.js";
import { failedFigure, type Figure } from "./bench/figure.js";
import { gcAvailable } from "./bench/gc.js";
import { processesWithEnv } from "./bench/procfs.js";
import { JOB_MARKER_VARIABLE } from "../src/core/launch/wrapper.js";
import { formatTable, writeResults } from "./bench/report.js";
import { roundTo } from "./bench/stats.js";
import { measureBulkKill } from "./bench/cases/bulk-kill.js";
import { measureCreate } from "./bench/cases/create.js";
import { measureFlood } from "./bench/cases/flood.js";
import { measureIdleCpu } from "./bench/cases/idle-cpu.js";
import { measureKill } from "./bench/cases/kill.js";
import { measureList } from "./bench/cases/list.js";
import { measureNotify } from "./bench/cases/notify.js";
import { measureWatch } from "./bench/cases/watch.js";
import { measureNotifyOpencode } from "./bench/cases/notify-opencode.js";
import { measureOpencodeRss } from "./bench/cases/opencode-rss.js";

const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);

let sandbox: TmuxSandbox | undefined;
let cleanedUp = false;
/** Every job id seen (ours and the flood children's), to find their processes after cleanup. */
const jobIds = new Set<string>();
/** The private tmux server's pid, to end it by pid if kill-server cannot run. */
let serverPid: number | undefined;
/** Errors nobody caught (e.g. from the core's child processes); recorded instead of crashing. */
const uncaught: string[] = [];

async function main(): Promise<number> {
  let args: BenchArgs;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    return 2;
  }
  const runStart = performance.now();
  const figures: Figure[] = [];
  let leftovers = 0;
  sandbox = await createTmuxSandbox("obg-bench");
  try {
    const manager = await sandbox.open();
    manager.on("status", (view) => jobIds.add(view.id));
    const ctx: BenchContext = { sandbox, manager, quick: args.quick, log };
    log(`${args.quick ? "quick" : "full"} run on tmux socket ${sandbox.socket}`);
    const step = async (name: CaseName, title: string, run: () => Promise<Figure[]>, label: string = name) => {
      if (!args.only.has(name)) return;
      const start = performance.now();
      log(`${label}...`);
      try {
        figures.push(...(await run()));
      } catch (error) {
        log(`${label} failed: ${(error as Error).stack ?? String(error)}`);
        figures.push(failedFigure(label, title, error));
      }
      serverPid ??= tmuxServerPid(ctx);
      log(`${label} done in ${roundTo((performance.now() - start) / 1000, 1)} s`);
    };
    await step("create", "create latency", () => measureCreate(ctx));
    await step("notify", "notify latency", () => measureNotify(ctx));
    await step("notify-opencode", "notify through OpenCode", () => measureNotifyOpencode(ctx));
    await step("opencode-rss", "OpenCode's RSS during a flood", () => measureOpencodeRss(ctx));
    await step("kill", "kill latency", () => measureKill(ctx));
    let runningIds: string[] = [];
    await step("idle", "idle CPU", async () => {
      const result = await measureIdleCpu(ctx);
      runningIds = result.runningIds;
      return result.figures;
    });
    let finishedIds: string[] = [];
    if (runningIds.length > 0) {
      await step("list", "list latency", async () => {
        const result = await measureList(ctx, runningIds);
        finishedIds = result.finishedIds;
        return result.figures;
      });
      // Always, when the idle case ran: it also ends the 50 quiet jobs before the flood.
      await step("idle", "bulk kill", () => measureBulkKill(ctx, runningIds, finishedIds), "bulk-kill");
    } else if (args.only.has("list")) figures.push(failedFigure("list", "list latency", "skipped: the idle case started no jobs"));
    await step("flood", "RSS during a flood", () => measureFlood(ctx));
    await step("watch", "cost of watching", () => measureWatch(ctx));
  } finally {
    leftovers = await cleanup();
  }

  const results = {
    meta: {
      mode: args.quick ? "quick" : "full",
      date: new Date().toISOString(),
      durationSeconds: roundTo((performance.now() - runStart) / 1000, 1),
      node: process.version,
      tmux: tmuxVersion(),
      cpus: os.cpus().length,
      platform: `${os.platform()} ${os.release()}`,
      gcForced: gcAvailable(),
      jobs: jobIds.size,
      // Processes of our jobs still alive after cleanup (SIGKILLed then); should be 0.
      leftoverJobProcesses: leftovers,
      uncaughtErrors: uncaught,
      baseline: "child_process.spawn('bash', ['-c', command]) with piped stdout/stderr accumulated in memory",
    },
    figures,
  };
  const file = await writeResults(results, path.resolve(args.out));
  process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
  process.stderr.write(`\n${formatTable(figures)}\n\n`);
  log(`wrote ${path.relative(process.cwd(), file)} in ${results.meta.durationSeconds} s`);
  return 0;
}

/**
 * Ends every job, the private tmux server and our baseline processes; safe to call twice.
 * Returns how many processes of our jobs were still alive afterwards (then SIGKILLed).
 */
async function cleanup(): Promise<number> {
  if (cleanedUp) return 0;
  cleanedUp = true;
  if (sandbox) {
    log("cleaning up");
    serverPid ??= tmuxServerPid({ sandbox });
    await withTimeout(sandbox.cleanup(), 60_000, "sandbox cleanup").catch((error: unknown) => log(`cleanup: ${String(error)}`));
    killServerSync(); // in case cleanup timed out before reaching kill-server
  }
  killRemembered();
  // Processes carrying one of our jobs' markers are ours (started by our jobs) whatever happened.
  // Those hung up by kill-server get a moment to finish exiting first.
  let left = jobIds.size ? await processesWithEnv(JOB_MARKER_VARIABLE, jobIds) : [];
  if (left.length) {
    await new Promise((resolve) => setTimeout(resolve, 300));
    left = await processesWithEnv(JOB_MARKER_VARIABLE, jobIds);
  }
  for (const pid of left) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // Exited meanwhile.
    }
  }
  if (left.length) log(`${left.length} job processes outlived cleanup by 300 ms; SIGKILLed them`);
  return left.length;
}

function killServerSync(): void {
  if (!sandbox) return;
  try {
    sandbox.tmux("kill-server");
  } catch (error) {
    const stderr = String((error as { stderr?: unknown }).stderr ?? "");
    // "no server running" / "error connecting": already gone. Anything else (e.g. EMFILE): by pid.
    if (!/no server running|error connecting/i.test(stderr)) killServerByPid();
  }
  // tmux 3.3a leaves the socket file of a killed server behind; it is ours, remove it.
  const uid = process.getuid?.() ?? 0;
  rmSync(path.join(process.env.TMUX_TMPDIR || "/tmp", `tmux-${uid}`, sandbox.socket), { force: true });
}

/** SIGTERMs our tmux server by pid, if that pid still is a tmux server on our socket. */
function killServerByPid(): void {
  if (!serverPid || !sandbox) return;
  try {
    const cmdline = readFileSync(`/proc/${serverPid}/cmdline`, "utf8");
    if (cmdline.includes(sandbox.socket)) process.kill(serverPid, "SIGTERM");
  } catch {
    // Gone already.
  }
}

function tmuxVersion(): string {
  try {
    return execFileSync("tmux", ["-V"], { encoding: "utf8" }).trim();
  } catch {
    return "unknown";
  }
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    log(`${signal}: cleaning up`);
    void cleanup().finally(() => process.exit(signal === "SIGINT" ? 130 : 143));
  });
}
// A stray error from a child process inside the core must not kill the run before cleanup: it is
// recorded (meta.uncaughtErrors) and reported as a finding.
process.on("uncaughtException", (error) => {
  uncaught.push(`${error.name}: ${error.message}`);
  log(`uncaught exception (recorded, run continues): ${error.stack ?? error.message}`);
});

// Last resort if something exits the process abruptly: no async work possible, so kill the
// server and our remembered pids synchronously.
process.once("exit", () => {
  if (cleanedUp) return;
  killServerSync();
  killRemembered();
});

main().then(
  (code) => process.exit(code),
  async (error: unknown) => {
    log(`bench broke: ${(error as Error).stack ?? String(error)}`);
    await cleanup();
    process.exit(1);
  },
);
