// Figure 7: killing a 3-process tree that obeys SIGTERM (bash + two sleeps). Ours: kill() until
// it resolves with the job cancelled and the window closed. Baseline: SIGTERM to the piped
// child's pid until it exits, which is what the original did; its two sleeps survive (counted,
// then SIGKILLed by pid here; that orphaning is the original's fault, not the bench's).
import { performance } from "node:perf_hooks";
import { isProcessAlive } from "../../../src/core/end/process-tree.js";
import { killRemembered, remember, spawnPiped } from "../baseline.js";
import { since, sleep, withTimeout, type BenchContext } from "../context.js";
import { atMost, figure, type Figure } from "../figure.js";
import { descendants } from "../procfs.js";
import { summarize } from "../stats.js";

// `echo started` runs after both sleeps are forked, so the tree is complete when it shows.
const COMMAND = "sleep 600 & sleep 600 & echo started; wait";

/** Runs the kill series against the manager and the piped baseline. */
export async function measureKill(ctx: BenchContext): Promise<Figure[]> {
  const runs = ctx.quick ? 6 : 15;
  const { manager } = ctx;

  const ours: number[] = [];
  const treeSizes: number[] = [];
  let survivors = 0;
  let forced = 0;
  const statuses = new Map<string, number>();
  const startedLine = new Map<string, () => void>();
  const seen = new Set<string>();
  const off = manager.on("line", (id, text) => {
    if (text !== "started") return;
    seen.add(id);
    startedLine.get(id)?.();
  });
  try {
    for (let index = 0; index < runs; index++) {
      const view = await manager.create({ command: COMMAND, name: `bench-kill-${index + 1}`, tags: ["bench"], scope: "session" });
      await withTimeout(
        new Promise<void>((resolve) => {
          if (seen.has(view.id)) resolve();
          else startedLine.set(view.id, resolve);
        }),
        10_000,
        `"started" from job ${view.id}`,
      );
      startedLine.delete(view.id);
      // The command's tree: the wrapper's `bash -c` and its two sleeps (the wrapper itself and
      // its owner guard are ours, not the command's, but kill() ends them too).
      const tree = view.pid ? await descendants(view.pid) : [];
      treeSizes.push(tree.length);
      const start = performance.now();
      const [report] = await manager.kill({ ids: [view.id] });
      ours.push(since(start));
      if (report) {
        forced += report.forced;
        statuses.set(report.status, (statuses.get(report.status) ?? 0) + 1);
      }
      await sleep(20);
      survivors += tree.filter((proc) => isProcessAlive(proc.pid)).length;
    }
  } finally {
    off();
  }

  const base: number[] = [];
  let baseSurvivors = 0;
  let baseTree = 0;
  for (let index = 0; index < runs; index++) {
    let resolveStarted: () => void = () => undefined;
    const started = new Promise<void>((resolve) => (resolveStarted = resolve));
    const run = spawnPiped(COMMAND, { onLine: (line) => line === "started" && resolveStarted() });
    await withTimeout(started, 10_000, "baseline tree");
    const tree = await descendants(run.pid);
    for (const proc of tree) remember(proc.pid);
    baseTree += tree.length + 1;
    const start = performance.now();
    run.child.kill("SIGTERM");
    const exit = await withTimeout(run.exited, 5_000, "baseline exit after SIGTERM");
    base.push(exit.at - start);
    await sleep(20);
    const alive = tree.filter((proc) => isProcessAlive(proc.pid)).map((proc) => proc.pid);
    baseSurvivors += alive.length;
    killRemembered(alive);
  }

  const value = summarize(ours);
  return [
    figure({
      id: "kill.latency",
      title: "kill a 3-process tree that obeys TERM",
      unit: "ms",
      value: { ...value, survivors, forcedKills: forced },
      baseline: { ...summarize(base, 3), survivors: baseSurvivors, what: "SIGTERM to the piped child's pid -> exit" },
      target: "p50 <= 200 ms (p95 reported)",
      met: atMost(value.p50, 200),
      notes: [
        `command: ${COMMAND}; ${runs} runs each`,
        `ours: processes below the pane per run ${[...new Set(treeSizes)].join("/")}, final status ${[...statuses].map(([s, n]) => `${s} x${n}`).join(", ")}, survivors ${survivors}`,
        `baseline left ${baseSurvivors} of ${baseTree} processes running (orphaned sleeps; SIGKILLed by the bench afterwards)`,
      ],
    }),
  ];
}
