// kill() of the 50 running quiet jobs in ONE call, as a session ending would do
// it; whether every process of every job is really gone afterwards; and what finished jobs had
// left in tmux before (dead windows, pipe-pane cats). kill() may reject (seen: EMFILE); the
// figure then carries the error, and the jobs are killed again one at a time so the rest of
// the run is not starved of file descriptors.
import { readdirSync } from "node:fs";
import { performance } from "node:perf_hooks";
import type { KillReport } from "../../../src/core/manager.js";
import { isProcessAlive, scanProcesses, type ProcessInfo } from "../../../src/core/end/process-tree.js";
import { since, sleep, tmuxServerPid, withTimeout, type BenchContext } from "../context.js";
import { figure, type Figure } from "../figure.js";
import { descendants } from "../procfs.js";
import { roundTo } from "../stats.js";

/** Kills the running jobs in one call, checks for survivors, then closes the finished jobs' windows. */
export async function measureBulkKill(ctx: BenchContext, runningIds: readonly string[], finishedIds: readonly string[]): Promise<Figure[]> {
  const { manager } = ctx;
  const leftovers = countWindows(ctx);
  const serverPid = tmuxServerPid(ctx);
  const cats = serverPid ? (await descendants(serverPid)).filter((proc) => proc.comm === "cat").length : null;

  // Every process of each running job (the pane's process and all below it), to count survivors.
  const procs = await scanProcesses();
  const treeOf = new Map<string, ProcessInfo[]>();
  for (const id of runningIds) {
    const pid = manager.get(id).pid;
    const root = procs.find((proc) => proc.pid === pid);
    if (pid && root) treeOf.set(id, [root, ...(await descendants(pid, procs))]);
  }
  const fdsBefore = openFds();

  let reports: KillReport[] = [];
  let error: string | undefined;
  const start = performance.now();
  try {
    reports = await withTimeout(manager.kill({ ids: [...runningIds] }), 90_000, "kill() of the quiet jobs");
  } catch (caught) {
    error = caught instanceof Error ? caught.message : String(caught);
  }
  const killMs = since(start);
  // A rejected kill() leaves its other per-job kills running: wait for them to let go of fds.
  const fdsPeakWait = await settleFds(fdsBefore + 50, 30_000);
  await sleep(100);
  const survivors = [...treeOf].flatMap(([id, tree]) => tree.filter((proc) => isProcessAlive(proc.pid)).map((proc) => ({ id, proc })));
  const statuses = new Map<string, number>();
  for (const id of runningIds) statuses.set(manager.get(id).status, (statuses.get(manager.get(id).status) ?? 0) + 1);

  // Clean up after it: one job at a time (kill() of an ended job still ends its leftovers).
  const retry = [...new Set([...survivors.map((item) => item.id), ...runningIds.filter((id) => manager.get(id).status === "running")])];
  for (const id of retry) await manager.kill({ ids: [id] }).catch(() => undefined);
  const afterRetry = [...treeOf].flatMap(([, tree]) => tree.filter((proc) => isProcessAlive(proc.pid))).length;
  for (const id of finishedIds) await manager.kill({ ids: [id] }).catch(() => undefined);

  const forced = reports.reduce((sum, report) => sum + report.forced, 0);
  return [
    figure({
      id: "kill.bulk",
      title: `kill ${runningIds.length} running quiet jobs in one kill() call`,
      unit: "ms",
      value: {
        total: roundTo(killMs),
        perJob: roundTo(killMs / Math.max(1, runningIds.length)),
        survivors: survivors.length,
        survivorsAfterOneByOneRetry: afterRetry,
        forcedKills: forced,
        rejected: error ?? null,
      },
      baseline: null,
      target: "total <= 1500 ms and 0 survivors (issue 11)",
      met: error === undefined && survivors.length === 0 && killMs <= 1500,
      notes: [
        `job statuses right after: ${[...statuses].map(([status, count]) => `${status} x${count}`).join(", ")}; fds of this process before ${fdsBefore}, after waiting ${fdsPeakWait}`,
        ...survivors.slice(0, 4).map(({ id, proc }) => {
          const report = reports.find((item) => item.id === id);
          return `survivor: pid ${proc.pid} ${proc.comm} (ppid ${proc.ppid}, sid ${proc.sid}) of job ${id}, kill() reported ${report ? `${report.status}, signalled ${report.signalled}, forced ${report.forced}` : "nothing (it rejected)"}`;
        }),
        `before the kill, tmux held ${leftovers.dead} dead windows of ended jobs and ${cats ?? "?"} pipe-pane cat processes for ${leftovers.total} job windows`,
      ],
    }),
  ];
}

function countWindows(ctx: BenchContext): { total: number; dead: number } {
  try {
    const rows = ctx.sandbox.tmux("list-panes", "-a", "-F", "#{pane_dead} #{@obg_id}").split("\n").filter((row) => / \S/.test(row));
    return { total: rows.length, dead: rows.filter((row) => row.startsWith("1 ")).length };
  } catch {
    return { total: 0, dead: 0 };
  }
}

function openFds(): number {
  try {
    return readdirSync("/proc/self/fd").length;
  } catch {
    return -1;
  }
}

/** Waits until this process holds at most `limit` fds (or `timeoutMs` passes); returns the count. */
async function settleFds(limit: number, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let count = openFds();
  while (count > limit && Date.now() < deadline) {
    await sleep(100);
    count = openFds();
  }
  return count;
}
