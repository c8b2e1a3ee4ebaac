// What survives what: a second instance rebuilding jobs, an owner killed with SIGKILL, two
// instances side by side, tmux missing, the tmux server killed under running jobs, a flood.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { promises as fs } from "node:fs";
import { createInterface } from "node:readline";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createTmuxSandbox, eventually, type TmuxSandbox } from "../helpers/tmux-sandbox.js";
import { buildIfStale } from "../helpers/cli-runner.js";
import { JobManager } from "../../src/core/manager.js";
import { isProcessAlive } from "../../src/core/end/process-tree.js";
import { logDiskBytes } from "../../src/core/output/log-segments.js";

let sandbox: TmuxSandbox;

before(async () => {
  // The owner fixture runs the built core (dist/) with plain node.
  buildIfStale();
  sandbox = await createTmuxSandbox();
});
after(async () => {
  await sandbox.cleanup();
});

describe("recovery", () => {
  test("a second instance rebuilds running and finished jobs; running ones keep streaming", async () => {
    const first = await sandbox.open();
    const running = await first.create({ command: `for i in $(seq 1 400); do echo "tick $i"; sleep 0.05; done`, name: "ticker", scope: "global", tags: ["t"] });
    const finished = await first.create({ command: "echo done-output; exit 4", name: "finished" });
    await first.waitForStatus(finished.id);
    await eventually(async () => (await first.output(running.id)).lines.length >= 3, 5000, "ticks");
    await first.close();

    const second = await sandbox.open();
    assert.equal(second.get(running.id).status, "running");
    assert.equal(second.get(running.id).name, "ticker");
    assert.deepEqual(second.get(running.id).tags, ["t"]);
    const old = second.get(finished.id);
    assert.equal(old.status, "failed");
    assert.equal(old.exitCode, 4);
    assert.deepEqual((await second.output(finished.id)).lines.map((l) => l.text), ["done-output"]);

    const before = (await second.output(running.id)).lines;
    assert.equal(before[0]?.text, "tick 1", "line numbers and content start at the beginning");
    assert.equal(before[0]?.no, 1);
    await eventually(async () => (await second.output(running.id)).lines.length > before.length + 3, 5000, "new ticks in the second instance");
    const lines = (await second.output(running.id, { lines: 10_000 })).lines;
    lines.forEach((line, index) => assert.equal(line.text, `tick ${index + 1}`, "no line lost or repeated across the restart"));
    await second.kill({ ids: [running.id] });
  });

  test("session jobs of an owner killed with SIGKILL are reaped; its global jobs live on", async () => {
    const fixture = fileURLToPath(new URL("../fixtures/owner-process.js", import.meta.url));
    const specs = [
      { command: "echo up; sleep 300", name: "session-job", scope: "session", sessionId: "ses_owner" },
      { command: "echo up; sleep 300", name: "global-job", scope: "global", sessionId: "ses_owner" },
    ];
    const child = spawn(process.execPath, [fixture, JSON.stringify(specs)], { env: sandbox.env, stdio: ["ignore", "pipe", "inherit"] });
    try {
      const line = await new Promise<string>((resolve, reject) => {
        createInterface({ input: child.stdout! }).once("line", resolve);
        child.once("exit", (code) => reject(new Error(`owner fixture exited early (${code})`)));
      });
      const { ids } = JSON.parse(line) as { ids: [string, string] };
      const observer = await sandbox.open();
      const [sessionJob, globalJob] = ids.map((id) => observer.get(id));
      assert.equal(sessionJob?.status, "running");
      // The owner dies after its jobs read their environment (a job whose owner dies before that
      // fails, truthfully: it never got its environment; that is not what this test is about).
      for (const id of ids) await eventually(async () => (await observer.output(id)).lines.some((line) => line.text === "up"), 10_000, `job ${id} to start its command`);
      const killedAt = Date.now();
      child.kill("SIGKILL");
      const reaped = await observer.waitForStatus(ids[0], ["cancelled"], 15_000);
      assert.ok(Date.now() - killedAt < 10_000, `reaped within 10 s (took ${Date.now() - killedAt} ms)`);
      assert.match(reaped.error ?? "", /OpenCode exited/);
      await eventually(() => sessionJob?.pid && !isProcessAlive(sessionJob.pid), 3000, "the session job's wrapper to exit");
      assert.equal(observer.get(ids[1]).status, "running", "the global job survives its owner");
      assert.ok(globalJob?.pid && isProcessAlive(globalJob.pid));

      const next = await sandbox.open();
      assert.equal(next.get(ids[1]).status, "running");
      assert.equal(next.get(ids[1]).ownedHere, false);
      await next.kill({ ids: [ids[1]] });
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  });

  test("two instances share the session without touching each other's jobs", async () => {
    const a = await sandbox.open();
    const b = await sandbox.open();
    const jobA = await a.create({ command: "sleep 300", name: "from-a", sessionId: "ses_1" });
    const jobB = await b.create({ command: "sleep 300", name: "from-b", sessionId: "ses_2" });
    await eventually(() => a.has(jobB.id) && b.has(jobA.id), 3000, "each to see the other's job");
    assert.equal(a.get(jobB.id).ownedHere, false);
    const reports = await a.killOwnSessionJobs();
    assert.deepEqual(reports.map((r) => r.id), [jobA.id]);
    assert.equal(b.get(jobB.id).status, "running");
    await eventually(() => b.get(jobA.id).status === "cancelled", 3000, "b to see a's job cancelled");
    await b.killOwnSessionJobs();
  });
});

describe("failures around tmux", () => {
  test("tmux missing from PATH: a clear error, and no half-made job left behind", async () => {
    const env = { ...sandbox.env, PATH: "/nonexistent-bin" };
    const manager = await JobManager.open({ env, config: sandbox.config });
    try {
      const before = manager.list().length;
      await assert.rejects(manager.create({ command: "echo hi", baseEnv: sandbox.env }), /could not start: tmux not found on PATH; install tmux >= 3\.2/);
      assert.equal(manager.list().length, before);
    } finally {
      await manager.close();
    }
  });

  test("a tmux older than 3.2 on PATH: refused with the version found and the one needed", async () => {
    // A stand-in that answers -V like tmux 3.1c; nothing else may run (the version is checked first).
    const bin = await fs.mkdtemp(path.join(os.tmpdir(), "obg-old-tmux-"));
    try {
      await fs.writeFile(path.join(bin, "tmux"), '#!/bin/sh\nfor arg; do [ "$arg" = -V ] && echo "tmux 3.1c" && exit 0; done\nexit 1\n', { mode: 0o755 });
      const env = { ...sandbox.env, PATH: `${bin}:${process.env.PATH}` };
      const manager = await JobManager.open({ env, config: sandbox.config });
      try {
        const before = manager.list().length;
        await assert.rejects(manager.create({ command: "echo hi", baseEnv: sandbox.env }), /could not start: tmux 3\.1c is too old; opencode-bg needs tmux >= 3\.2/);
        assert.equal(manager.list().length, before, "no half-made job left behind");
      } finally {
        await manager.close();
      }
    } finally {
      await fs.rm(bin, { recursive: true, force: true });
    }
  });

  test("the tmux server killed under running jobs: they are failed with a reason, and new jobs start again", async () => {
    const manager = await sandbox.open();
    const jobs = await Promise.all([1, 2].map((n) => manager.create({ command: "sleep 300", name: `victim-${n}` })));
    sandbox.tmux("kill-server");
    for (const job of jobs) {
      const done = await manager.waitForStatus(job.id, ["failed"], 10_000);
      assert.match(done.error ?? "", /tmux server exited/);
    }
    const again = await manager.create({ command: "echo back", name: "after-restart" });
    assert.equal(again.status, "running");
    assert.equal((await manager.waitForStatus(again.id)).status, "completed");
  });
});

describe("memory", () => {
  test("the ring buffer stays bounded under a 100 MB flood, and the log keeps the newest output within its 64 MiB cap", { timeout: 180_000 }, async (t) => {
    const manager = await sandbox.open({ config: { ringLines: 500, ringChars: 100_000 } });
    const job = await manager.create({ command: "head -c 100000000 /dev/zero | tr '\\0' 'a' | fold -w 100; echo; echo END", name: "flood" });
    let counted = 0;
    let skipped = 0;
    let next = 1;
    const jumps: string[] = [];
    const stop = manager.on("line", (id, _text, lineNo) => {
      if (id !== job.id) return;
      counted++;
      if (lineNo < next) jumps.push(`back to ${lineNo} after ${next - 1}`);
      else if (lineNo > next) {
        skipped += lineNo - next;
        jumps.push(`${next - 1} -> ${lineNo}`);
      }
      next = lineNo + 1;
    });
    const done = await manager.waitForStatus(job.id, ["completed"], 170_000);
    stop();
    const read = await manager.output(job.id, { lines: 100_000 });
    assert.ok(read.lines.length <= 500, `kept ${read.lines.length} lines`);
    assert.ok(read.lines.reduce((sum, line) => sum + line.text.length, 0) <= 100_000);
    assert.equal(read.lines.at(-1)?.text, "END");
    assert.equal(read.next, 1_000_002, "every line reached the log (line numbers count them all)");
    // The reader saw every line in order, except where it fell more than half the cap (one
    // 32 MiB chunk) behind: then it skips ahead to the oldest chunk still on disk, as documented
    // (README "Limits"). That takes a starved CPU, on any tmux: the 671,036 of 1,000,001 lines
    // seen once with tmux 3.2a were one chunk (328,965 lines) skipped; a reader stalled for 8 s
    // skips the same way on 3.2a and 3.3a, and 3.2a loses nothing otherwise (measured).
    if (jumps.length > 0) t.diagnostic(`the reader fell behind the cap and skipped ${skipped} lines: ${jumps.join(", ")}`);
    assert.ok(jumps.every((jump) => !jump.startsWith("back")), `lines in order: ${jumps.join(", ")}`);
    assert.ok(jumps.length <= 2, `at most one skip per rotation: ${jumps.join(", ")}`);
    assert.equal(counted + skipped, 1_000_001);
    // Capped (log-cap.ts): output.log plus the rotated output.1.log, at most 1.25x the cap.
    const size = await logDiskBytes(done.logPath);
    assert.ok(size >= 32 * 1024 * 1024 && size <= 1.25 * 64 * 1024 * 1024, `logs hold ${size} bytes`);
    const previous = done.logPath.replace(/output\.log$/, "output.1.log");
    const tail = ((await fs.readFile(previous, "latin1")).slice(-200) + (await fs.readFile(done.logPath, "latin1"))).slice(-200);
    assert.match(tail, /\nEND\r?\n/, "the newest output is kept");
  });
});
