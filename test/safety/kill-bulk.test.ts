// Issue 11: one kill() of many jobs at once ends every process of every job (the collects of
// those jobs share their /proc scans, end/proc-snapshot.ts), escapees included, and spares a
// process that is not the job's even when it holds the job's pane terminal.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { promises as fs, readlinkSync, readdirSync } from "node:fs";
import path from "node:path";
import { createTmuxSandbox, eventually, type TmuxSandbox } from "../helpers/tmux-sandbox.js";
import type { JobManager } from "../../src/core/manager.js";
import { isProcessAlive, isSameProcessAlive, readStartTime } from "../../src/core/end/process-tree.js";
import { formatKillReports } from "../../src/plugin/format.js";

let sandbox: TmuxSandbox;
let manager: JobManager;
/** Identities of processes these tests started, SIGKILLed in `after` while they are still ours. */
const started: { pid: number; startTime: number }[] = [];

before(async () => {
  sandbox = await createTmuxSandbox("obg-bulk");
  manager = await sandbox.open();
});
after(async () => {
  for (const p of started) if (isSameProcessAlive(p)) process.kill(p.pid, "SIGKILL");
  await sandbox.cleanup();
});

function remember(pid: number): void {
  const startTime = readStartTime(pid);
  if (startTime !== undefined) started.push({ pid, startTime });
}

async function pidsIn(file: string, count: number): Promise<number[]> {
  return eventually(async () => {
    const found = (await fs.readFile(file, "utf8").catch(() => "")).split("\n").filter(Boolean).map(Number);
    return found.length >= count ? found : undefined;
  }, 15_000, `${count} pids in ${path.basename(file)}`);
}

const COMMANDS: Record<string, string> = {
  // Plain children in the pane's session.
  children: `sleep 311 & echo $! >> "$PIDS"; sleep 312 & echo $! >> "$PIDS"; wait`,
  // Left the session and dropped the marker, parent gone: only the pane's terminal gives it away.
  "env -i setsid, double fork, keeps the terminal": `(env -i setsid sleep 313 & echo $! >> "$PIDS"); sleep 314 & echo $! >> "$PIDS"; wait`,
  // Left the session and the terminal, parent gone, kept its environment: only the marker gives it away.
  "setsid, double fork, no terminal, marker kept": `(setsid sleep 315 </dev/null >/dev/null 2>&1 & echo $! >> "$PIDS"); sleep 316 & echo $! >> "$PIDS"; wait`,
  // Ignores TERM: only the SIGKILL round ends it.
  "ignores TERM": `bash -c 'trap "" TERM HUP; echo $$ >> "$1"; while :; do sleep 1; done' _ "$PIDS" & sleep 317 & echo $! >> "$PIDS"; wait`,
};

describe("bulk kill", () => {
  test("one kill() of many jobs ends every process of every job, escapees included, and calls each cancelled", { timeout: 90_000 }, async () => {
    const jobs: { id: string; name: string; pids: number[] }[] = [];
    for (let copy = 0; copy < 3; copy++) {
      for (const [name, command] of Object.entries(COMMANDS)) {
        const pidsFile = path.join(sandbox.stateDir, `pids-${copy}-${jobs.length}`);
        const job = await manager.create({ command, name: `${name} #${copy}`, scope: "global", env: { PIDS: pidsFile } });
        jobs.push({ id: job.id, name: job.name, pids: [] });
        jobs.at(-1)!.pids = await pidsIn(pidsFile, 2);
        jobs.at(-1)!.pids.forEach(remember);
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
    const reports = await manager.kill({ ids: jobs.map((job) => job.id) });
    assert.equal(reports.length, jobs.length);
    for (const job of jobs) {
      const report = reports.find((item) => item.id === job.id);
      assert.ok(report, `no report for ${job.name}`);
      assert.equal(report.status, "cancelled", formatKillReports([report]));
      assert.deepEqual(report.survivors, [], formatKillReports([report]));
      const alive = job.pids.filter(isProcessAlive);
      assert.deepEqual(alive, [], `${job.name}: still running after the kill`);
    }
  });

  test("a process older than the job's pane that holds the pane's terminal is not the job's and is spared", { timeout: 60_000 }, async () => {
    // Started before the job, in a session of its own, without the marker; it opens the pane's
    // terminal once it knows it (as `cat /dev/pts/N` or a terminal multiplexer would).
    const ttyFile = path.join(sandbox.stateDir, "pane-tty");
    const innocent = spawn("bash", ["-c", 'while [ ! -s "$1" ]; do sleep 0.05; done; exec 3<>"$(cat "$1")"; exec sleep 600', "_", ttyFile], {
      detached: true,
      stdio: "ignore",
    });
    innocent.unref();
    assert.ok(innocent.pid);
    remember(innocent.pid);
    await new Promise((resolve) => setTimeout(resolve, 50)); // a later clock tick than the pane's
    const job = await manager.create({ command: "sleep 318", name: "terminal shared", scope: "global" });
    const panePid = await eventually(() => manager.get(job.id).pid, 10_000, "the pane's pid");
    // Right after tmux forked it, the pane's process may still have tmux's /dev/null as stdin.
    const tty = await eventually(() => {
      const target = readlinkSync(`/proc/${panePid}/fd/0`);
      return /^\/dev\/pts\/[0-9]+$/.test(target) ? target : undefined;
    }, 10_000, "the pane's terminal on its stdin");
    await fs.writeFile(ttyFile, tty);
    await eventually(() => readdirSync(`/proc/${innocent.pid}/fd`).some((fd) => readlinkSync(`/proc/${innocent.pid}/fd/${fd}`) === tty), 10_000, "the innocent to hold the pane's terminal");
    const [report] = await manager.kill({ ids: [job.id] });
    assert.equal(report?.status, "cancelled");
    assert.ok(isProcessAlive(innocent.pid), `pid ${innocent.pid} (older than the pane, not the job's) was killed`);
  });
});
