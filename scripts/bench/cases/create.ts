// Figures 1 and 2: how long from create() until the job is running AND its first line has been
// captured (ours), against spawn() until the first stdout chunk (baseline); create() alone; and
// create() until the manager's `line` event for that first line.
import { performance } from "node:perf_hooks";
import { reap, spawnPiped } from "../baseline.js";
import { since, withTimeout, type BenchContext } from "../context.js";
import { atMost, figure, type Figure } from "../figure.js";
import { roundTo, summarize } from "../stats.js";

const COMMAND = "echo ready; sleep 30";

/** Runs the create/first-output series and returns figures 1, 1b and 2. */
export async function measureCreate(ctx: BenchContext): Promise<Figure[]> {
  const runs = ctx.quick ? 8 : 20;
  const { manager } = ctx;

  // Events can arrive before create() resolves, so record them by job id as they come.
  const runningAt = new Map<string, number>();
  const firstLineAt = new Map<string, { at: number; text: string }>();
  const waiters = new Map<string, () => void>();
  const settle = (id: string) => {
    if (runningAt.has(id) && firstLineAt.has(id)) waiters.get(id)?.();
  };
  const offStatus = manager.on("status", (view) => {
    if (view.status === "running" && !runningAt.has(view.id)) runningAt.set(view.id, performance.now());
    settle(view.id);
  });
  const offLine = manager.on("line", (id, text) => {
    if (!firstLineAt.has(id)) firstLineAt.set(id, { at: performance.now(), text });
    settle(id);
  });

  const ready: number[] = [];
  const call: number[] = [];
  const firstLine: number[] = [];
  const wrongFirstLine: string[] = [];
  let cold: number | undefined;
  try {
    // One unmeasured warm-up (the session may already exist; this pays module/JIT warm-up).
    for (let index = -1; index < runs; index++) {
      const start = performance.now();
      const view = await manager.create({ command: COMMAND, name: `bench-create-${index + 1}`, tags: ["bench"], scope: "session" });
      const callMs = since(start);
      if (view.status !== "running") throw new Error(`create returned a ${view.status} job: ${view.error ?? ""}`);
      await withTimeout(
        new Promise<void>((resolve) => {
          waiters.set(view.id, resolve);
          settle(view.id);
        }),
        10_000,
        `first line of job ${view.id}`,
      );
      waiters.delete(view.id);
      const line = firstLineAt.get(view.id);
      const doneAt = Math.max(runningAt.get(view.id) ?? 0, line?.at ?? 0);
      if (index < 0) {
        cold = doneAt - start;
      } else {
        call.push(callMs);
        ready.push(doneAt - start);
        firstLine.push((line?.at ?? 0) - start);
        if (line?.text !== "ready") wrongFirstLine.push(JSON.stringify(line?.text));
      }
      await manager.kill({ ids: [view.id] });
    }
  } finally {
    offStatus();
    offLine();
  }

  const baseline: number[] = [];
  for (let index = -1; index < runs; index++) {
    const run = spawnPiped(COMMAND);
    const at = await withTimeout(run.firstChunk, 10_000, "baseline first chunk");
    if (index >= 0) baseline.push(at - run.startedAt);
    await reap(run);
  }

  const ours = summarize(ready);
  const base = summarize(baseline, 3);
  const limit = base.p50 === null ? null : 2 * base.p50;
  const notes = [
    `command: ${COMMAND}; ${runs} runs each after one warm-up; each job killed after measuring`,
    `warm-up create (the run's first: starts the tmux server and session, JIT cold): ${cold === undefined ? "n/a" : roundTo(cold)} ms`,
  ];
  if (wrongFirstLine.length) notes.push(`first line was not "ready" in ${wrongFirstLine.length} runs: ${wrongFirstLine.slice(0, 3).join(", ")}`);
  if (ours.p50 !== null && base.p50) notes.push(`ratio p50 ours/baseline: ${roundTo(ours.p50 / base.p50, 1)}x`);
  return [
    figure({
      id: "create.ready",
      title: "create -> running + first line captured",
      unit: "ms",
      value: { ...ours },
      baseline: { ...base, what: "spawn -> first stdout chunk" },
      target: `p50 <= 2x baseline p50${limit === null ? "" : ` (${roundTo(limit, 2)} ms)`}`,
      met: atMost(ours.p50, limit),
      notes,
    }),
    figure({
      id: "create.call",
      title: "create() call alone (returns running)",
      unit: "ms",
      value: { ...summarize(call) },
      baseline: { ...base, what: "spawn -> first stdout chunk" },
      target: "none (context)",
      met: null,
    }),
    figure({
      id: "create.firstOutput",
      title: "create -> `line` event of the first line",
      unit: "ms",
      value: { ...summarize(firstLine) },
      baseline: { ...base, what: "spawn -> first stdout chunk" },
      target: "none (context; see create.ready)",
      met: null,
    }),
  ];
}
