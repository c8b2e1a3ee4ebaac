// The job folder and the session as other processes see them: permissions, concurrent starts,
// and logs that someone truncates or deletes under a running job.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import path from "node:path";
import { createTmuxSandbox, eventually, type TmuxSandbox } from "../helpers/tmux-sandbox.js";
import { JobManager } from "../../src/core/manager.js";

let sandbox: TmuxSandbox;

before(async () => {
  sandbox = await createTmuxSandbox("obg-state");
});
after(async () => {
  await sandbox.cleanup();
});

test("job folders are private to the user: folder 0700, files 0600", async () => {
  const manager = await sandbox.open();
  const job = await manager.create({ command: "echo private", env: { SECRET_TOKEN: "s3cret" } });
  await manager.waitForStatus(job.id);
  const dir = path.dirname(job.logPath);
  assert.equal((await fs.stat(dir)).mode & 0o777, 0o700);
  for (const name of await fs.readdir(dir)) {
    if (name === "run.sh") continue;
    assert.equal((await fs.stat(path.join(dir, name))).mode & 0o077, 0, `${name} is not readable by others`);
  }
});

test("several OpenCodes starting at once on a fresh server share one session", async () => {
  const fresh = { ...sandbox.config, tmuxSocket: `${sandbox.socket}-fresh` };
  const managers = await Promise.all([1, 2, 3, 4, 5].map(() => JobManager.open({ env: sandbox.env, config: fresh })));
  try {
    const jobs = await Promise.all(managers.map((manager, n) => manager.create({ command: `echo started-${n}; sleep 30`, name: `racer-${n}` })));
    assert.deepEqual(jobs.map((job) => job.status), ["running", "running", "running", "running", "running"], jobs.map((job) => job.error).join("; "));
    const sessions = sandbox.tmux("-L", fresh.tmuxSocket, "list-sessions", "-F", "#{session_name}");
    assert.deepEqual(sessions.trim().split("\n"), ["opencode-bg"]);
  } finally {
    for (const manager of managers) {
      await manager.kill({ ownerInstanceId: manager.instanceId }).catch(() => undefined);
      await manager.close();
    }
    try {
      sandbox.tmux("-L", fresh.tmuxSocket, "kill-server");
    } catch {
      // already gone
    }
    // tmux 3.3a leaves the socket file of a killed server behind.
    await fs.rm(path.join(process.env.TMUX_TMPDIR || "/tmp", `tmux-${process.getuid?.() ?? 0}`, fresh.tmuxSocket), { force: true });
  }
});

test("a truncated log: reading starts over and keeps streaming", async () => {
  const manager = await sandbox.open();
  const job = await manager.create({ command: `for i in $(seq 1 200); do echo "line $i"; sleep 0.05; done` });
  await eventually(async () => (await manager.output(job.id)).lines.length >= 5, 5000, "first lines");
  await fs.truncate(job.logPath, 0);
  const before = (await manager.output(job.id)).lines.at(-1)?.no ?? 0;
  await eventually(async () => ((await manager.output(job.id)).lines.at(-1)?.no ?? 0) > before + 5, 5000, "new lines after the truncation");
  const last = (await manager.output(job.id)).lines.at(-1)?.text ?? "";
  assert.match(last, /^line \d+$/);
  await manager.kill({ ids: [job.id] });
});

test("a deleted log: capture is re-attached and output keeps coming", async () => {
  const manager = await sandbox.open();
  const job = await manager.create({ command: `for i in $(seq 1 400); do echo "tick $i"; sleep 0.05; done` });
  await eventually(async () => (await manager.output(job.id)).lines.length >= 3, 5000, "first ticks");
  await fs.unlink(job.logPath);
  await eventually(async () => (await fs.stat(job.logPath).catch(() => undefined))?.size, 5000, "a new log file with output");
  const seen = (await manager.output(job.id)).lines.at(-1)?.no ?? 0;
  await eventually(async () => ((await manager.output(job.id)).lines.at(-1)?.no ?? 0) > seen + 3, 5000, "ticks read from the new log");
  await manager.kill({ ids: [job.id] });
});
