// Figure 4: how much the orchestrator's RSS grows while a job floods 100 MB (20 MB with
// --quick) of 100-character lines. The headline runs each side in a FRESH Node process (like an
// OpenCode that just started: its heap has not grown yet, so this is the worst case and does not
// depend on which cases ran before); ours is also measured inside this warm bench process.
// Baseline: the same command through a piped spawn that accumulates the output in a string.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { remember } from "../baseline.js";
import { tmuxServerPid, withTimeout, type BenchContext } from "../context.js";
import { atMost, figure, type Figure } from "../figure.js";
import type { FloodChildSpec } from "../flood-child.js";
import { floodCommand, floodThroughManager, type FloodSide } from "../flood-run.js";
import { rssOf } from "../procfs.js";
import { percentile, roundTo } from "../stats.js";

const MB = 1024 * 1024;
const CHILD = fileURLToPath(new URL("../flood-child.ts", import.meta.url));

/** Runs the flood through the manager and through the piped baseline and compares RSS growth. */
export async function measureFlood(ctx: BenchContext): Promise<Figure[]> {
  const bytes = (ctx.quick ? 20 : 100) * 1_000_000;
  const expectedLines = Math.ceil(bytes / 100);

  // GC timing makes one flood's peak noisy (seen 14-49 MB for the same 100 MB): take the median of a few.
  const repeats = ctx.quick ? 2 : 3;
  const runs: FloodSide[] = [];
  for (let index = 0; index < repeats; index++) runs.push(await runChild({ side: "ours", bytes, config: ctx.sandbox.config }));
  const growths = runs.map((run) => run.memory.growth);
  const median = percentile(growths, 50) ?? 0;
  const ours = runs.find((run) => run.memory.growth === median) ?? runs[0]!;
  const serverPid = tmuxServerPid(ctx);
  const serverRss = serverPid ? rssOf(serverPid) : undefined;
  const warm = await floodThroughManager(ctx.manager, bytes);
  const base = await runChild({ side: "baseline", bytes, config: ctx.sandbox.config });

  const mb = (value: number) => roundTo(value / MB, 1);
  const growthMb = mb(ours.memory.growth);
  const limitMb = ctx.quick ? 20 : 32;
  return [
    figure({
      id: "flood.rss",
      title: `orchestrator RSS growth during a ${bytes / 1_000_000} MB flood (fresh process, median of ${repeats})`,
      unit: "MB",
      value: {
        growth: growthMb,
        growthMax: mb(Math.max(...growths)),
        growthRuns: growths.map(mb).join(" / "),
        liveAfterGc: mb(ours.memory.liveAfterGc),
        growthInWarmProcess: mb(warm.memory.growth),
        heapTotalGrowth: mb(ours.memory.heapTotalGrowth),
        rssBefore: mb(ours.memory.rssBefore),
        floodSeconds: roundTo(ours.memory.ms / 1000, 1),
        linesCounted: ours.count,
        linesCountedWarm: warm.count,
        linesExpected: expectedLines,
        tmuxServerRssAfter: serverRss === undefined ? null : mb(serverRss),
      },
      baseline: {
        growth: mb(base.memory.growth),
        liveAfterGc: mb(base.memory.liveAfterGc),
        heapTotalGrowth: mb(base.memory.heapTotalGrowth),
        rssBefore: mb(base.memory.rssBefore),
        floodSeconds: roundTo(base.memory.ms / 1000, 1),
        charsHeld: base.count,
        what: "fresh process, piped spawn accumulating output in a string",
      },
      target: `growth <= ${limitMb} MB`,
      met: atMost(growthMb, limitMb),
      notes: [
        `command: ${floodCommand(bytes)}`,
        `growth is the median of ${repeats} fresh-process runs (growthRuns); the other values are from that median run`,
        `peak from ${ours.memory.source}; gc ${ours.memory.gc ? "forced before and after" : "NOT available"}`,
        "liveAfterGc = heapUsed + external after the flood and a forced gc, minus before (baseline still holds its output, as the original did)",
        "growthInWarmProcess: ours again inside the bench process, whose heap earlier cases already grew (closer to a long-running OpenCode)",
      ],
    }),
  ];
}

/** Runs one flood side in a fresh Node process (same loader flags, gc exposed). */
async function runChild(spec: FloodChildSpec): Promise<FloodSide> {
  const child = spawn(process.execPath, [...process.execArgv, "--expose-gc", CHILD, JSON.stringify(spec)], { stdio: ["ignore", "pipe", "inherit"] });
  if (child.pid) remember(child.pid);
  let stdout = "";
  child.stdout?.setEncoding("utf8");
  child.stdout?.on("data", (chunk: string) => (stdout += chunk));
  const code = await withTimeout(
    new Promise<number | null>((resolve, reject) => {
      child.on("error", reject); // e.g. spawn EMFILE
      child.on("close", (exitCode) => resolve(exitCode));
    }),
    240_000,
    `flood child (${spec.side})`,
  ).catch((error: unknown) => {
    child.kill("SIGKILL");
    throw error;
  });
  if (code !== 0) throw new Error(`flood child (${spec.side}) exited with ${code}`);
  return JSON.parse(stdout.trim().split("\n").pop() ?? "") as FloodSide;
}
