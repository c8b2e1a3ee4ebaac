// The built CLI as a person would run it (private tmux server and state dir): kill by id and by
// tag, attach without a terminal, and gc of old finished jobs.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import path from "node:path";
import { useCliSandbox } from "../helpers/cli-runner.js";

const box = useCliSandbox("obg-cli-kill", { before, after });
const { cli, ok, runJob, jobs, view, untilStatus } = box;

function windowIds(): string[] {
  return box.sandbox().tmux("list-windows", "-a", "-F", "#{window_id}").split("\n").filter(Boolean);
}

describe("kill", () => {
  test("by id: one line per job, the job is cancelled and its window closed", async () => {
    const id = await runJob("sleep 300", "--name", "sleeper");
    const { windowId } = await untilStatus(id, "running");
    const stdout = await ok("kill", id);
    assert.match(stdout, new RegExp(`^${id} cancelled\\s+sleeper \\(\\d+ process`));
    assert.equal(stdout.trim().split("\n").length, 1);
    assert.equal((await view(id)).status, "cancelled");
    assert.ok(!windowIds().includes(windowId ?? "?"));
  });

  test("by --tag: every running job with the tag, nothing else", async () => {
    const a = await runJob("sleep 300", "--tag", "kill-grp");
    const b = await runJob("sleep 300", "--tag", "kill-grp", "--tag", "x");
    const other = await runJob("sleep 300", "--tag", "kill-other");
    const stdout = await ok("kill", "--tag", "kill-grp");
    const lines = stdout.trim().split("\n");
    assert.equal(lines.length, 2, stdout);
    assert.deepEqual(lines.map((line) => line.slice(0, 8)).sort(), [a, b].sort());
    assert.equal((await view(a)).status, "cancelled");
    assert.equal((await view(b)).status, "cancelled");
    assert.equal((await view(other)).status, "running");
    const again = await cli("kill", "--tag", "kill-grp");
    assert.equal(again.code, 0);
    assert.equal(again.stdout, "", "finished jobs are not killed twice by tag");
    await ok("kill", "--tag", "kill-other", "--status", "running");
    assert.equal((await view(other)).status, "cancelled");
  });

  test("an unknown id exits 1 and kills nothing", async () => {
    const id = await runJob("sleep 300");
    await untilStatus(id, "running");
    const result = await cli("kill", id, "zzzzzzzz");
    assert.equal(result.code, 1);
    assert.match(result.stderr, /no job has the id or name "zzzzzzzz"/);
    assert.equal(result.stdout, "");
    assert.equal((await view(id)).status, "running");
    await ok("kill", id);
  });

  test("no selector is refused with exit 2, and so are --status alone and ids mixed with --tag", async () => {
    const id = await runJob("sleep 300");
    await untilStatus(id, "running");
    for (const args of [["kill"], ["kill", "--status", "running"], ["kill", id, "--tag", "x"]]) {
      const result = await cli(...args);
      assert.equal(result.code, 2, args.join(" "));
      assert.match(result.stderr, /kill/);
    }
    assert.equal((await view(id)).status, "running");
    await ok("kill", id);
  });
});

describe("attach", () => {
  test("without a terminal it prints the attach command; a gone window exits 1", async () => {
    const id = await runJob("sleep 300");
    const { windowId } = await untilStatus(id, "running");
    const stdout = await ok("attach", id);
    assert.equal(stdout, `tmux -L ${box.sandbox().socket} attach-session -t =opencode-bg:${windowId}\n`);
    await ok("kill", id);
    const gone = await cli("attach", id);
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /window is gone/);
    assert.equal((await cli("attach", "zzzzzzzz")).code, 1);
  });
});

describe("gc", () => {
  test("removes old finished jobs (folder and dead window) and never running ones", async () => {
    const finished = await runJob("echo bye");
    const running = await runJob("sleep 300");
    const { windowId } = await untilStatus(finished, "completed");
    await untilStatus(running, "running");
    assert.ok(windowIds().includes(windowId ?? "?"), "a finished job keeps its dead window until gc");
    const folder = path.join(box.sandbox().stateDir, "jobs", finished);

    assert.match(await ok("gc"), /nothing to remove/, "the default age (7d) keeps fresh jobs");
    const dry = await ok("gc", "--older-than", "0s", "--dry-run");
    assert.match(dry, new RegExp(`^would remove ${finished} completed`, "m"));
    assert.doesNotMatch(dry, new RegExp(running));
    assert.ok(existsSync(folder), "a dry run removes nothing");

    const real = await ok("gc", "--older-than", "0s");
    assert.match(real, new RegExp(`^removed ${finished} completed`, "m"));
    assert.match(real, /freed \d+(\.\d)? (B|KB|MB)$/m);
    assert.doesNotMatch(real, new RegExp(running));
    assert.ok(!existsSync(folder));
    assert.ok(!windowIds().includes(windowId ?? "?"), "the dead window was closed");
    assert.ok(existsSync(path.join(box.sandbox().stateDir, "jobs", running)));
    const listed = await jobs();
    assert.ok(!listed.some((job) => job.id === finished));
    assert.equal(listed.find((job) => job.id === running)?.status, "running");
    assert.ok(listed.every((job) => job.status === "running" || job.status === "pending"), "every finished job went");
    await ok("kill", running);
  });
});
