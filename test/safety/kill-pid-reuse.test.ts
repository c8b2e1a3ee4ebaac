// Issue 8 item 1: a finished job's old pane pid is reused by an unrelated session leader; killing
// the finished job (by id, by tag) must spare it. Needs root and /proc/sys/kernel/ns_last_pid to
// place the innocent exactly on the old pid.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, promises as fs, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { createTmuxSandbox, eventually, type TmuxSandbox } from "../helpers/tmux-sandbox.js";
import type { JobManager } from "../../src/core/manager.js";
import { isProcessAlive } from "../../src/core/end/process-tree.js";
import { JobPaths } from "../../src/core/job/job-files.js";

const NS_LAST_PID = "/proc/sys/kernel/ns_last_pid";
const TRIALS = 10;

let sandbox: TmuxSandbox;
let manager: JobManager;
const innocents = new Set<number>();

function canPlacePids(): string | undefined {
  if (process.getuid?.() !== 0) return "needs root to write ns_last_pid";
  try {
    readFileSync(NS_LAST_PID, "utf8");
    return undefined;
  } catch {
    return `${NS_LAST_PID} is not available`;
  }
}
const skip = canPlacePids();

before(async () => {
  sandbox = await createTmuxSandbox("obg-pidreuse");
  manager = await sandbox.open();
});
after(async () => {
  // By pid only while it is still our innocent: a pid given up long ago may be another test's
  // process now (the files run side by side, and this file makes pids be reused on purpose).
  for (const pid of innocents) if (readCmdline(pid) === "innocent 300") process.kill(pid, "SIGKILL");
  await sandbox.cleanup();
});

/** Starts `setsid bash -c 'exec -a innocent sleep 300'` on exactly `pid`; undefined if another process took it. */
async function placeInnocent(pid: number): Promise<number | undefined> {
  for (let attempt = 0; attempt < 20; attempt++) {
    writeFileSync(NS_LAST_PID, String(pid - 1));
    // Not detached: node would setsid itself and setsid(1) would then fork to a new pid.
    const child: ChildProcess = spawn("setsid", ["bash", "-c", "exec -a innocent sleep 300"], { stdio: "ignore" });
    child.unref();
    const got = child.pid;
    if (got === undefined) continue;
    innocents.add(got);
    if (got === pid) {
      // The innocent is a session leader: its pgrp and sid equal the job's old pane pid.
      await eventually(() => readCmdline(pid) === "innocent 300", 5000, "the innocent to exec");
      return pid;
    }
    if (process.env.OBG_DEBUG) console.log("# wanted", pid, "got", got);
    // Our own child, still running (sleep 300): ended now and forgotten, so no later kill reaches its pid.
    process.kill(got, "SIGKILL");
    innocents.delete(got);
  }
  return undefined;
}

function readCmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean).join(" ");
  } catch {
    return "";
  }
}

/** started.json as an older version wrote it: no pane start time. */
async function dropStartTime(jobId: string): Promise<void> {
  const file = JobPaths.of(sandbox.stateDir, jobId).started;
  const started = JSON.parse(await fs.readFile(file, "utf8")) as Record<string, unknown>;
  assert.equal(typeof started.paneStartTime, "number", "started.json records the pane's start time");
  delete started.paneStartTime;
  await fs.writeFile(file, JSON.stringify(started));
}

/** Reaped, not just a zombie: only then can the kernel hand the pid out again. */
async function waitReaped(pid: number): Promise<void> {
  // tmux 3.3a can miss a SIGCHLD and leave the pane a zombie: poke it, as the manager does.
  const serverPid = Number(sandbox.tmux("display-message", "-p", "#{pid}").trim());
  await eventually(() => {
    if (existsSync(`/proc/${pid}`)) process.kill(serverPid, "SIGCHLD");
    return !existsSync(`/proc/${pid}`);
  }, 5000, "the pane process to be reaped");
}

describe("older started.json (no start time)", () => {
  test("old record: a running job is still killed whole, its pane process found by the wrapper in its argv", { timeout: 60_000 }, async () => {
    const pidsFile = path.join(sandbox.stateDir, "pids-old-record");
    // The double-forked `env -i nohup` sleep has no marker, no parent, no terminal and ignores
    // SIGHUP: only the pane's session (it did not setsid) ties it to the job, and that counts
    // only for a verified pane process.
    const command = `(env -i nohup sleep 303 </dev/null >/dev/null 2>&1 & echo $! >> "$PIDS"); echo $$ >> "$PIDS"; sleep 300`;
    const job = await manager.create({ command, name: "old-record", scope: "global", env: { PIDS: pidsFile } });
    const pids = await eventually(async () => {
      const found = (await fs.readFile(pidsFile, "utf8").catch(() => "")).split("\n").filter(Boolean).map(Number);
      return found.length >= 2 ? found : undefined;
    }, 10_000, "the job's processes");
    await dropStartTime(job.id);
    const fresh = await sandbox.open();
    const [report] = await fresh.kill({ ids: [job.id] });
    assert.equal(report?.status, "cancelled");
    assert.deepEqual([...pids, job.pid ?? 0].filter(isProcessAlive), [], "every process, the pane's too, is dead");
  });

  test("old record + pid reuse: killing a finished job spares an unrelated session leader that got its old pid", { skip, timeout: 60_000 }, async () => {
    const job = await manager.create({ command: "true", name: "old-reuse", scope: "global" });
    await manager.waitForStatus(job.id);
    assert.ok(job.pid);
    await dropStartTime(job.id);
    await waitReaped(job.pid);
    const innocent = await placeInnocent(job.pid);
    if (innocent === undefined) return; // another process took the pid every time: nothing placed
    const fresh = await sandbox.open();
    await fresh.kill({ ids: [job.id] });
    assert.ok(isProcessAlive(innocent) && readCmdline(innocent) === "innocent 300", "the innocent lives");
    process.kill(innocent, "SIGKILL");
  });
});

describe("pid reuse", { skip }, () => {
  test(`pid reuse: killing a finished job spares an unrelated session leader that got its old pid (${TRIALS} trials)`, { timeout: 180_000 }, async () => {
    let placed = 0;
    let killed = 0;
    for (let trial = 0; trial < TRIALS; trial++) {
      // Global: a session job's owner guard leaves a zombie `tail` in the pane's session when pid 1
      // does not reap (this container), and a zombie's sid keeps the pid from being reused.
      const job = await manager.create({ command: "true", name: `reuse-${trial}`, scope: "global", tags: [`reuse-${trial}`] });
      const done = await manager.waitForStatus(job.id);
      assert.equal(done.status, "completed");
      const panePid = job.pid;
      assert.ok(panePid);
      await waitReaped(panePid);
      const innocent = await placeInnocent(panePid);
      if (innocent === undefined) continue;
      placed++;
      // Half by id, half by tag: both reach the same kill.
      if (trial % 2 === 0) await manager.kill({ ids: [job.id] });
      else await manager.kill({ tags: [`reuse-${trial}`], status: "completed" });
      if (!isProcessAlive(innocent) || readCmdline(innocent) !== "innocent 300") killed++;
      if (isProcessAlive(innocent)) process.kill(innocent, "SIGKILL");
      innocents.delete(innocent);
    }
    console.log(`# pid reuse: ${killed}/${placed} innocents killed (${TRIALS} trials)`);
    assert.ok(placed >= TRIALS / 2, `could place the innocent in only ${placed} of ${TRIALS} trials`);
    assert.equal(killed, 0, `${killed} of ${placed} innocents were killed`);
  });
});
