// A manager's open returns once recovery has read every job; its file watcher gets ready after
// (chokidar stats every job file first). What changes in between raises no event: the catch-up
// that runs once the watcher is live must still bring the manager up to date.
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { after, before, test } from "node:test";
import { JobPaths } from "../../src/core/job/job-files.js";
import { createTmuxSandbox, eventually, type TmuxSandbox } from "../helpers/tmux-sandbox.js";

let sandbox: TmuxSandbox;
before(async () => {
  sandbox = await createTmuxSandbox("obg-catch-up");
});
after(async () => {
  await sandbox.cleanup();
});

test("a job folder deleted right after a manager opens is forgotten by it", async () => {
  const creator = await sandbox.open();
  const done = await creator.create({ command: "echo bye", name: "gone-soon" });
  await creator.waitForStatus(done.id, ["completed"], 10_000);
  const fresh = await sandbox.open();
  // Synchronously after open: the watcher has not even listed the jobs dir yet.
  rmSync(JobPaths.of(sandbox.stateDir, done.id).dir, { recursive: true, force: true });
  assert.equal(fresh.get(done.id).status, "completed", "a list right after open shows what was on disk");
  await eventually(() => !fresh.has(done.id), 5000, "the deleted job to be forgotten");
});

test("a job that ends and one that starts right after a manager opens are both seen by it", async () => {
  const creator = await sandbox.open();
  const running = await creator.create({ command: "sleep 600", name: "ends-soon" });
  await creator.waitForStatus(running.id, ["running"], 10_000);
  const fresh = await sandbox.open({ observeOnly: true });
  assert.equal(fresh.get(running.id).status, "running");
  const [, started] = await Promise.all([
    creator.kill({ ids: [running.id] }),
    creator.create({ command: "echo 'hello from later'; sleep 600", name: "starts-later" }),
  ]);
  await eventually(() => fresh.has(started.id) && fresh.get(started.id).status === "running", 10_000, "the later job to be discovered");
  await eventually(() => fresh.get(running.id).status === "cancelled", 10_000, "the killed job to be shown cancelled");
  await creator.kill({ ids: [started.id] });
});

test("a finished job restarted by another instance right after a manager opens is shown running by it", async () => {
  const creator = await sandbox.open();
  const job = await creator.create({ command: "sleep 600", name: "back-again" });
  await creator.waitForStatus(job.id, ["running"], 10_000);
  await creator.kill({ ids: [job.id] });
  const fresh = await sandbox.open({ observeOnly: true });
  assert.equal(fresh.get(job.id).status, "cancelled");
  await creator.restart(job.id);
  await eventually(() => fresh.get(job.id).status === "running", 10_000, "the restarted job to be shown running");
  await creator.kill({ ids: [job.id] });
});
