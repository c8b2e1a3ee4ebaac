// Issue 12: the cost of watching. (1) CPU this process spends reading a job that prints 10 MB of
// ordinary lines, with three watch patterns (the "errors" preset and two RE2 patterns) versus
// none: every line is tested, none matches. (2) Latency from a matching line printed to the
// manager's `notify` event that becomes the prompt (a quiet session's first prompt goes at once,
// so this is the line -> prompt latency before OpenCode's own send).
import { performance } from "node:perf_hooks";
import { calibrateRealtime } from "../clock.js";
import type { BenchContext } from "../context.js";
import { atMost, figure, type Figure } from "../figure.js";
import { roundTo, summarize } from "../stats.js";
import { JobWatches } from "../../../src/core/notify/job-watches.js";

const WATCHES = ["errors", "(?i)deadlock detected", "FATAL|segfault"];

/** CPU (user+system ms) of this process while the manager reads a job's `megabytes` of output. */
async function cpuReading(ctx: BenchContext, megabytes: number, watch: string[] | undefined): Promise<{ cpuMs: number; wallMs: number; events: number }> {
  // ~100-byte ordinary lines, like a busy dev server's request log; the last line says done.
  const script = `const line='info: GET /api/items?page=12 200 in 3 ms (cache hit, 1834 bytes) request id 4f9c2a7e '.padEnd(99,'.')+'\\n';const n=Math.ceil(${megabytes}*1048576/100);let s='';for(let i=0;i<n;i++){s+=line;if(s.length>65536){process.stdout.write(s);s=''}}process.stdout.write(s+'bench-watch-done\\n')`;
  let events = 0;
  let jobId: string | undefined;
  const off = ctx.manager.on("notify", (view) => {
    if (view.id === jobId) events++;
  });
  try {
    const cpuStart = process.cpuUsage();
    const wallStart = performance.now();
    const view = await ctx.manager.create({ command: `${JSON.stringify(process.execPath)} -e ${JSON.stringify(script)}; sleep 300`, name: "bench-watch-cpu", tags: ["bench"], ...(watch ? { watch } : {}) });
    jobId = view.id;
    for (const deadline = Date.now() + 120_000; Date.now() < deadline; ) {
      const read = await ctx.manager.output(view.id, { lines: 1 });
      if (read.lines.at(-1)?.text === "bench-watch-done") break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const cpu = process.cpuUsage(cpuStart);
    const wallMs = performance.now() - wallStart;
    await ctx.manager.kill({ ids: [view.id] }).catch(() => undefined);
    return { cpuMs: (cpu.user + cpu.system) / 1000, wallMs, events };
  } finally {
    off();
  }
}

/**
 * The detector alone, in this process: CPU ms to test `lines` ordinary ~100-byte lines against
 * the watches (what the tailer adds per line), without the reading around it, so machine load
 * from other processes moves it less than the end-to-end figure.
 */
function detectorCpuMs(lines: number, watch: string[]): number {
  const watches = new JobWatches();
  watches.adopt("bench", { version: 1, watches: watch });
  const context = { before: () => [], end: () => 0 };
  const samples = Array.from({ length: 100 }, (_, i) => `info: GET /api/items?page=${i} 200 in 3 ms (cache hit, 1834 bytes) request id 4f9c2a7e`.padEnd(99, "."));
  const start = process.cpuUsage();
  let found = 0;
  for (let i = 0; i < lines; i++) if (watches.detect("bench", samples[i % 100]!, context)) found++;
  const used = process.cpuUsage(start);
  if (found) throw new Error("ordinary lines matched a watch");
  return (used.user + used.system) / 1000;
}

/** Line printed -> notify event, for lines matching a watch ("Error: <n> <us>", ~50 ms apart). */
async function matchLatency(ctx: BenchContext, count: number): Promise<number[]> {
  const command = ["sleep 0.3", `for ((i = 1; i <= ${count}; i++)); do printf 'pad\\nError: %d %s\\n' "$i" "\${EPOCHREALTIME//[!0-9]/}"; sleep 0.05; done; sleep 300`].join("; ");
  const clock = calibrateRealtime();
  const latencies: number[] = [];
  let jobId: string | undefined;
  const early: { message: string; at: number }[] = [];
  const record = (message: string, at: number) => {
    const stamp = Number(/Error: \d+ (\d+)$/.exec(message)?.[1]);
    if (Number.isFinite(stamp)) latencies.push((at - stamp) / 1000);
  };
  const off = ctx.manager.on("notify", (view, message) => {
    const at = clock.nowUs();
    if (jobId === undefined) early.push({ message, at });
    else if (view.id === jobId) record(message, at);
  });
  try {
    const view = await ctx.manager.create({ command, name: "bench-watch-latency", tags: ["bench"], watch: ["errors"] });
    jobId = view.id;
    for (const item of early) record(item.message, item.at);
    for (const deadline = Date.now() + 60_000; latencies.length < count && Date.now() < deadline; ) await new Promise((resolve) => setTimeout(resolve, 100));
    await ctx.manager.kill({ ids: [view.id] }).catch(() => undefined);
  } finally {
    off();
  }
  return latencies;
}

export async function measureWatch(ctx: BenchContext): Promise<Figure[]> {
  const megabytes = 10;
  const rounds = ctx.quick ? 1 : 3;
  const none: number[] = [];
  const three: number[] = [];
  let wall = { none: 0, three: 0 };
  let stray = 0;
  for (let round = 0; round < rounds; round++) {
    const a = await cpuReading(ctx, megabytes, undefined);
    const b = await cpuReading(ctx, megabytes, WATCHES);
    none.push(a.cpuMs);
    three.push(b.cpuMs);
    wall = { none: wall.none + a.wallMs / rounds, three: wall.three + b.wallMs / rounds };
    stray += b.events;
  }
  const median = (values: number[]) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)] ?? null;
  const cpuNone = median(none);
  const cpuThree = median(three);
  const latencies = await matchLatency(ctx, ctx.quick ? 20 : 60);
  // 10 MB of ~100-byte lines.
  const lines = Math.ceil((megabytes * 1048576) / 100);
  const detectThree = median([0, 1, 2].map(() => detectorCpuMs(lines, WATCHES)));
  const detectNone = median([0, 1, 2].map(() => detectorCpuMs(lines, [])));
  const latency = summarize(latencies, 3);
  return [
    figure({
      id: "watch.cpu",
      title: `CPU of this process reading a job's ${megabytes} MB of output: 3 watch patterns vs none`,
      unit: "ms",
      value: {
        withWatches: cpuThree === null ? null : roundTo(cpuThree, 0),
        overhead: cpuThree === null || cpuNone === null ? null : roundTo(cpuThree - cpuNone, 0),
        wallMs: roundTo(wall.three, 0),
        falseMatches: stray,
        detectorMs: detectThree === null ? null : roundTo(detectThree, 0),
        detectorNoWatchesMs: detectNone === null ? null : roundTo(detectNone, 0),
      },
      baseline: { noWatches: cpuNone === null ? null : roundTo(cpuNone, 0), wallMs: roundTo(wall.none, 0), what: "the same job without watches" },
      target: "overhead <= 50% of the unwatched read",
      met: cpuThree === null || cpuNone === null ? null : atMost(cpuThree - cpuNone, cpuNone * 0.5),
      notes: [
        `patterns: ${WATCHES.join(" | ")}; ~100-byte lines, none matching; median of ${rounds}`,
        `detectorMs: the detector alone on the same ${lines} lines (median of 3), detectorNoWatchesMs: markers only`,
      ],
    }),
    figure({
      id: "watch.latency",
      title: "watched line printed -> `notify` event (the prompt of a quiet session)",
      unit: "ms",
      value: { ...latency, received: latencies.length },
      baseline: null,
      target: "p50 <= 5 ms, p95 <= 60 ms (as markers)",
      met: latencies.length === 0 ? null : (atMost(latency.p50, 5) ?? false) && (atMost(latency.p95, 60) ?? false),
    }),
  ];
}
