// Restarting jobs on a real tmux server (private socket): by request (running and finished jobs,
// same window, new process, old tree gone, log continuing), as another instance sees it, after
// a restart of OpenCode, and by the "on-failure" policy (backoff, maximum, kills stay down).
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import path from "node:path";
import { createTmuxSandbox, eventually, type TmuxSandbox } from "../helpers/tmux-sandbox.js";
import type { JobManager } from "../../src/core/manager.js";
import type { JobView } from "../../src/core/job/job.js";
import { InvalidInputError } from "../../src/core/errors.js";
import { collectJobProcesses, isProcessAlive } from "../../src/core/end/process-tree.js";

let sandbox: TmuxSandbox;
let manager: JobManager;

before(async () => {
  sandbox = await createTmuxSandbox("obg-restart");
  manager = await sandbox.open({ config: { restartBackoffMs: 100 } });
});
after(async () => {
  await sandbox.cleanup();
});

const SEPARATOR = /^--- opencode-bg: restart (\d+) \(/;

async function lines(m: JobManager, id: string): Promise<{ no: number; text: string }[]> {
  return (await m.output(id, { lines: 10_000 })).lines;
}

async function waitForLine(m: JobManager, id: string, pattern: RegExp, count = 1): Promise<{ no: number; text: string }[]> {
  return eventually(async () => {
    const found = (await lines(m, id)).filter((line) => pattern.test(line.text));
    return found.length >= count ? found : undefined;
  }, 15_000, `${count} line(s) matching ${pattern}`);
}

describe("restart by request", () => {
  test("a running job: same window, new process, the old tree is gone, the log continues after a separator", async () => {
    const job = await manager.create({ command: `echo "run started"; sleep 300 & echo "child $!"; wait`, name: "restart-running", scope: "global" });
    const [childLine] = await waitForLine(manager, job.id, /^child \d+$/);
    const oldChild = Number(childLine?.text.split(" ")[1]);
    const before = manager.get(job.id);
    assert.ok(before.pid && isProcessAlive(before.pid) && isProcessAlive(oldChild));

    // Another instance on the same state dir follows the restart through the files.
    const other = await sandbox.open({ instanceId: "other-instance" });
    assert.equal(other.get(job.id).status, "running");

    const report = await manager.restart(job.id);
    assert.equal(report.run, 1);
    assert.equal(report.previousStatus, "running");
    assert.ok(report.sameWindow);
    assert.ok(report.signalled >= 2, `the wrapper and its children were signalled (${report.signalled})`);
    const after = manager.get(job.id);
    assert.equal(after.status, "running");
    assert.equal(after.restarts, 1);
    assert.equal(after.windowId, before.windowId);
    assert.equal(after.paneId, before.paneId);
    assert.notEqual(after.pid, before.pid);
    assert.ok(after.startedAt! >= before.startedAt!);
    assert.ok(!isProcessAlive(before.pid!), "the old wrapper is gone");
    assert.ok(!isProcessAlive(oldChild), "the old run's child is gone");

    const children = await waitForLine(manager, job.id, /^child \d+$/, 2);
    const newChild = Number(children[1]?.text.split(" ")[1]);
    const tree = await collectJobProcesses({ marker: { name: "OPENCODE_BG_JOB", value: job.id } });
    assert.ok(tree.includes(newChild) && !tree.includes(oldChild) && !tree.includes(before.pid!));

    const output = await lines(manager, job.id);
    const starts = output.filter((line) => line.text === "run started");
    const separator = output.find((line) => SEPARATOR.test(line.text));
    assert.equal(starts.length, 2, JSON.stringify(output));
    assert.ok(separator && separator.no > starts[0]!.no && separator.no < starts[1]!.no, "the separator sits between the runs");
    assert.ok(report.firstLine <= separator.no);
    assert.equal(SEPARATOR.exec(separator.text)?.[1], "1");

    await eventually(() => {
      const seen = other.get(job.id);
      return seen.restarts === 1 && seen.pid === after.pid && seen.status === "running";
    }, 10_000, "the other instance sees the new run");

    await manager.kill({ ids: [job.id] });
    await eventually(() => other.get(job.id).status === "cancelled", 10_000, "the other instance sees the kill");
    await other.close();
  });

  test("a finished job runs again in its kept window; the run's files say which run wrote them", async () => {
    const job = await manager.create({ command: "echo hello-run", name: "restart-finished" });
    const first = await manager.waitForStatus(job.id, ["completed", "failed"], 15_000);
    assert.equal(first.status, "completed");

    const report = await manager.restart(job.id);
    assert.equal(report.previousStatus, "completed");
    assert.ok(report.sameWindow, "remain-on-exit kept the window: the run reuses it");
    const second = await manager.waitForStatus(job.id, ["completed", "failed"], 15_000);
    assert.equal(second.status, "completed");
    assert.equal(second.restarts, 1);
    assert.equal(second.windowId, first.windowId);
    assert.notEqual(second.pid, first.pid);
    assert.ok(second.endedAt! > first.endedAt!);

    const texts = (await lines(manager, job.id)).map((line) => line.text);
    assert.deepEqual(texts.filter((text) => !SEPARATOR.test(text)), ["hello-run", "hello-run"]);
    assert.ok(SEPARATOR.test(texts[1] ?? ""), JSON.stringify(texts));
    const dir = path.dirname(second.logPath);
    const exit = JSON.parse(await fs.readFile(path.join(dir, "exit.json"), "utf8")) as { run: number };
    const outcome = JSON.parse(await fs.readFile(path.join(dir, "outcome.json"), "utf8")) as { run: number };
    assert.equal(exit.run, 1);
    assert.equal(outcome.run, 1);
    // The window's pipe was closed when the first run ended and reopened for the second one.
    assert.match(await fs.readFile(second.logPath, "utf8"), /hello-run[\s\S]*restart 1[\s\S]*hello-run/);
  });

  test("a job whose window was closed gets a new window", async () => {
    const job = await manager.create({ command: "sleep 300", name: "restart-closed" });
    await manager.kill({ ids: [job.id] });
    const killed = manager.get(job.id);
    assert.equal(killed.status, "cancelled");
    const report = await manager.restart(job.id);
    assert.equal(report.sameWindow, false);
    assert.equal(report.job.status, "running");
    assert.notEqual(report.job.windowId, killed.windowId);
    assert.ok(report.job.pid && isProcessAlive(report.job.pid));
    assert.match(sandbox.tmux("list-windows", "-t", "=opencode-bg", "-F", "#{window_id}"), new RegExp(`^${report.job.windowId}$`, "m"));
    await manager.kill({ ids: [job.id] });
  });

  test("a new instance finds a restarted job running, with the same line numbers", async () => {
    const job = await manager.create({ command: `echo one; echo two; sleep 300`, name: "restart-recover", scope: "global" });
    await waitForLine(manager, job.id, /^two$/);
    await manager.restart(job.id);
    const seen = await waitForLine(manager, job.id, /^two$/, 2);
    const fresh = await sandbox.open({ instanceId: "fresh-instance" });
    const view = fresh.get(job.id);
    assert.equal(view.status, "running");
    assert.equal(view.restarts, 1);
    assert.equal(view.pid, manager.get(job.id).pid);
    const theirs = (await lines(fresh, job.id)).filter((line) => line.text === "two");
    assert.deepEqual(theirs.map((line) => line.no), seen.map((line) => line.no));
    await fresh.close();
    await manager.kill({ ids: [job.id] });
  });
});

describe("restart: on-failure", () => {
  test("a failing job is restarted with a doubling wait, up to maxRestarts, then stays failed", async () => {
    const runs: { run: number; startedAt?: number; endedAt?: number }[] = [];
    const stop = manager.on("status", (view: JobView) => {
      if (view.name !== "flaky") return;
      const entry = runs[view.restarts] ?? (runs[view.restarts] = { run: view.restarts });
      if (view.status === "running") entry.startedAt = view.startedAt;
      if (view.status === "failed") entry.endedAt = view.endedAt;
    });
    const job = await manager.create({ command: "echo attempt; exit 3", name: "flaky", restart: "on-failure", maxRestarts: 3 });
    assert.deepEqual(manager.get(job.id).restartPolicy, { policy: "on-failure", maxRestarts: 3 });
    await eventually(() => {
      const view = manager.get(job.id);
      return view.restarts === 3 && view.status === "failed";
    }, 20_000, "three automatic restarts and a final failure");
    // The next wait would be 800 ms: well past it, the job must still be down.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    stop();
    const view = manager.get(job.id);
    assert.equal(view.status, "failed");
    assert.equal(view.restarts, 3);
    assert.equal(view.automaticRestarts, 3);
    assert.equal(view.exitCode, 3);
    const texts = (await lines(manager, job.id)).map((line) => line.text);
    assert.equal(texts.filter((text) => text === "attempt").length, 4, JSON.stringify(texts));
    // Each restart waited at least its backoff after the previous run ended: 100, 200, 400 ms.
    for (let run = 1; run <= 3; run++) {
      const ended = runs[run - 1]?.endedAt;
      const started = runs[run]?.startedAt;
      assert.ok(ended !== undefined && started !== undefined, `run ${run} timings: ${JSON.stringify(runs)}`);
      assert.ok(started - ended >= 100 * 2 ** (run - 1), `restart ${run} waited ${started - ended} ms`);
    }
    // Exactly one instance restarted each run: one claim file per restart.
    const claims = (await fs.readdir(path.dirname(view.logPath))).filter((name) => name.endsWith(".claim")).sort();
    assert.deepEqual(claims, ["restart-1.claim", "restart-2.claim", "restart-3.claim"]);
  });

  test("a job killed through the manager is not restarted, running or waiting for its restart", async () => {
    const running = await manager.create({ command: "sleep 300", name: "kill-running", restart: "on-failure" });
    await manager.kill({ ids: [running.id] });
    const slow = await sandbox.open({ instanceId: "slow-backoff", config: { restartBackoffMs: 1500 } });
    const failed = await slow.create({ command: "exit 1", name: "kill-failed", restart: "on-failure" });
    assert.equal((await slow.waitForStatus(failed.id, ["failed"], 15_000)).status, "failed");
    await slow.kill({ ids: [failed.id] });
    await new Promise((resolve) => setTimeout(resolve, 2500));
    assert.equal(manager.get(running.id).status, "cancelled");
    assert.equal(manager.get(running.id).restarts, 0);
    assert.equal(slow.get(failed.id).status, "failed");
    assert.equal(slow.get(failed.id).restarts, 0);
    await slow.close();
  });

  test("a job that succeeds, or was cancelled with Ctrl-C, is not restarted", async () => {
    const ok = await manager.create({ command: "true", name: "succeeds", restart: "on-failure" });
    const interrupted = await manager.create({ command: "echo ready; sleep 300", name: "ctrl-c", restart: "on-failure" });
    await waitForLine(manager, interrupted.id, /^ready$/);
    await manager.send(interrupted.id, { keys: ["C-c"] });
    await manager.waitForStatus(ok.id, ["completed"], 15_000);
    await manager.waitForStatus(interrupted.id, ["cancelled"], 15_000);
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(manager.get(ok.id).restarts, 0);
    assert.equal(manager.get(interrupted.id).restarts, 0);
    assert.equal(manager.get(interrupted.id).status, "cancelled");
  });

  test("bad restart arguments are refused with the field and its limit", async () => {
    await assert.rejects(manager.create({ command: "true", restart: "on-failure", maxRestarts: 101 }), (error: unknown) => error instanceof InvalidInputError && /maxRestarts .*0 to 100/.test(error.message));
    await assert.rejects(manager.create({ command: "true", maxRestarts: 2 }), /maxRestarts only applies with restart: "on-failure"/);
    await assert.rejects(manager.create({ command: "true", restart: "always" as "never" }), /restart must be "on-failure" or "never"/);
  });
});
