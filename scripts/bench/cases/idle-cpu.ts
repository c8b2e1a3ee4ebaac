// Figure 5: CPU of the orchestrator (this process) while 50 quiet jobs (`sleep 600`) run, over an
// idle window; plus the tmux server's CPU and that of everything below it (job wrappers, owner
// guards, pipe-pane cats) over the same window. Baseline: 50 piped `sleep 600` children.
// The jobs are left running for the list case, which kills them.
import { performance } from "node:perf_hooks";
import { reap, spawnPiped } from "../baseline.js";
import { mapLimit, since, sleep, tmuxServerPid, type BenchContext } from "../context.js";
import { atMost, figure, type Figure } from "../figure.js";
import { CLOCK_TICKS, cpuTicks, descendants, sumTicks } from "../procfs.js";
import { roundTo, summarize } from "../stats.js";

/** Quiet jobs of the idle case (the issue says 50); the list case adds finished ones up to 100. */
export const QUIET_JOBS = 50;

/** Result of the idle case: its figures and the ids of the still-running quiet jobs. */
export interface IdleResult {
  figures: Figure[];
  runningIds: string[];
}

/** Starts 50 quiet jobs, measures idle CPU, and leaves the jobs running. */
export async function measureIdleCpu(ctx: BenchContext): Promise<IdleResult> {
  const windowMs = ctx.quick ? 3000 : 10_000;
  const { manager } = ctx;

  const createMs: number[] = [];
  const startAll = performance.now();
  // 4 creates in flight: a burst like an agent starting several jobs, without 50 tmux clients at once.
  const views = await mapLimit(Array.from({ length: QUIET_JOBS }, (_, i) => i), 4, async (index) => {
    const start = performance.now();
    const view = await manager.create({ command: "sleep 600", name: `bench-quiet-${index + 1}`, tags: ["bench", "quiet"], scope: "session" });
    createMs.push(since(start));
    return view;
  });
  const allMs = since(startAll);
  const notRunning = views.filter((view) => view.status !== "running");
  if (notRunning.length) throw new Error(`${notRunning.length} quiet jobs did not start: ${notRunning[0]?.error ?? notRunning[0]?.status}`);
  await sleep(1000); // let the start-up file events and first reads settle

  const serverPid = tmuxServerPid(ctx);
  const below = serverPid ? (await descendants(serverPid)).map((proc) => proc.pid) : [];
  const byComm = new Map<string, number>();
  if (serverPid) for (const proc of await descendants(serverPid)) byComm.set(proc.comm, (byComm.get(proc.comm) ?? 0) + 1);
  const ours = await idleWindow(windowMs, serverPid, below);

  const children = Array.from({ length: QUIET_JOBS }, () => spawnPiped("sleep 600"));
  await sleep(1000);
  const base = await idleWindow(windowMs, undefined, []);
  for (const run of children) await reap(run); // one /proc scan at a time (parallel scans hit EMFILE)

  const perJob = roundTo(below.length / QUIET_JOBS, 1);
  return {
    runningIds: views.map((view) => view.id),
    figures: [
      figure({
        id: "idle.cpu",
        title: `orchestrator CPU with ${QUIET_JOBS} quiet jobs`,
        unit: "% of one core",
        value: { orchestrator: ours.self, tmuxServer: ours.server, belowServer: ours.below, windowMs },
        baseline: { orchestrator: base.self, what: `${QUIET_JOBS} piped spawns of sleep 600` },
        target: "~0 (read as <= 1 %)",
        met: atMost(ours.self, 1),
        notes: [
          `processes below the tmux server: ${below.length} (${perJob} per job): ${[...byComm].map(([comm, n]) => `${comm} x${n}`).join(", ")}`,
          "belowServer = CPU of those processes (wrappers, owner guards, pipe-pane cats, sleeps)",
        ],
      }),
      figure({
        id: "idle.create50",
        title: `start ${QUIET_JOBS} jobs (4 create() calls in flight)`,
        unit: "ms",
        value: { total: roundTo(allMs), ...summarize(createMs) },
        baseline: null,
        target: "none (context)",
        met: null,
      }),
    ],
  };
}

/** CPU % of this process, the tmux server and the given pids over `ms` of doing nothing. */
async function idleWindow(ms: number, serverPid: number | undefined, pids: number[]) {
  const cpu0 = process.cpuUsage();
  const server0 = serverPid ? cpuTicks(serverPid) : undefined;
  const below0 = sumTicks(pids);
  const start = performance.now();
  await sleep(ms);
  const elapsedMs = since(start);
  const cpu = process.cpuUsage(cpu0);
  const server1 = serverPid ? cpuTicks(serverPid) : undefined;
  const toPercent = (ticks: number) => roundTo(((ticks / CLOCK_TICKS) * 1000 * 100) / elapsedMs, 2);
  return {
    self: roundTo(((cpu.user + cpu.system) / 1000 / elapsedMs) * 100, 3),
    server: server0 !== undefined && server1 !== undefined ? toPercent(server1 - server0) : null,
    below: toPercent(Math.max(0, sumTicks(pids) - below0)),
  };
}
