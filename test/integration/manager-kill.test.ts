// Kills through the manager: whole process trees (tmux.md's matrix), filters, refusals.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import path from "node:path";
import { createTmuxSandbox, eventually, type TmuxSandbox } from "../helpers/tmux-sandbox.js";
import type { JobManager } from "../../src/core/manager.js";
import { isProcessAlive } from "../../src/core/end/process-tree.js";

let sandbox: TmuxSandbox;
let manager: JobManager;

before(async () => {
  sandbox = await createTmuxSandbox();
  manager = await sandbox.open();
});
after(async () => {
  await sandbox.cleanup();
});

/** Each tree writes the pids it started to $PIDS, one per line, so the test can check every one. */
const TREES: Record<string, string> = {
  "node + child + detached child": `node -e '
    const { spawn } = require("child_process");
    const fs = require("fs");
    const a = spawn("sleep", ["300"]);
    const b = spawn("sleep", ["300"], { detached: true, stdio: "ignore" });
    b.unref();
    fs.appendFileSync(process.env.PIDS, [process.pid, a.pid, b.pid].join("\\n") + "\\n");
    setInterval(() => {}, 1000);'`,
  "nohup child": `nohup sleep 300 >/dev/null 2>&1 & echo $! >> "$PIDS"; sleep 300 & echo $! >> "$PIDS"; wait`,
  "setsid child": `setsid sleep 300 & echo $! >> "$PIDS"; sleep 300 & echo $! >> "$PIDS"; wait`,
  "ignores TERM HUP INT": `trap "" TERM HUP INT; echo $$ >> "$PIDS"; bash -c 'trap "" TERM HUP INT; echo $$ >> "$PIDS"; while :; do sleep 1; done' & wait`,
  "double-fork daemon": `(sleep 300 & echo $! >> "$PIDS") ; echo $$ >> "$PIDS"; sleep 300`,
  "set -m jobs": `set -m; sleep 300 & echo $! >> "$PIDS"; sleep 301 & echo $! >> "$PIDS"; wait`,
};

describe("kill matrix: zero survivors", () => {
  for (const [name, command] of Object.entries(TREES)) {
    test(name, async () => {
      const pidsFile = path.join(sandbox.stateDir, `pids-${Math.random().toString(36).slice(2)}`);
      const job = await manager.create({ command, name, env: { PIDS: pidsFile } });
      const pids = await eventually(async () => {
        const text = await fs.readFile(pidsFile, "utf8").catch(() => "");
        const found = text.split("\n").filter(Boolean).map(Number);
        return found.length >= 2 ? found : undefined;
      }, 10_000, `the tree of "${name}" to start`);
      await new Promise((resolve) => setTimeout(resolve, 100));
      const [report] = await manager.kill({ ids: [job.id] });
      assert.equal(report?.status, "cancelled");
      const survivors = [...pids, job.pid ?? 0].filter((pid) => isProcessAlive(pid));
      assert.deepEqual(survivors, [], `survivors of "${name}"`);
      assert.equal(manager.get(job.id).status, "cancelled");
      // The window is gone too.
      assert.ok(!sandbox.tmux("list-windows", "-a", "-F", "#{window_id}").split("\n").includes(job.windowId ?? "?"));
    });
  }
});

describe("kill filters", () => {
  test("an unknown id is an error that kills nothing", async () => {
    const job = await manager.create({ command: "sleep 300", name: "survives-bad-kill" });
    await assert.rejects(manager.kill({ ids: [job.id, "zzzzzzzz"] }), /No background process with id "zzzzzzzz"/);
    assert.equal(manager.get(job.id).status, "running");
    assert.ok(job.pid && isProcessAlive(job.pid));
    await manager.kill({ ids: [job.id] });
  });

  test("a kill with no filter at all is refused", async () => {
    await assert.rejects(manager.kill({}), /Refusing to kill every process/);
  });

  test("by tags (any-of), by session and by status", async () => {
    const web = await manager.create({ command: "sleep 300", name: "web", tags: ["web", "dev"], sessionId: "ses_a" });
    const lint = await manager.create({ command: "sleep 300", name: "lint", tags: ["lint"], sessionId: "ses_a" });
    const other = await manager.create({ command: "sleep 300", name: "other", tags: ["x"], sessionId: "ses_b" });
    const done = await manager.create({ command: "true", name: "done", tags: ["dev"], sessionId: "ses_b" });
    await manager.waitForStatus(done.id);

    const byTags = await manager.kill({ tags: ["dev", "nope"], status: "running" });
    assert.deepEqual(byTags.map((r) => r.name), ["web"]);
    assert.equal(manager.get(lint.id).status, "running");

    const bySession = await manager.kill({ sessionId: "ses_a" });
    assert.deepEqual(bySession.filter((r) => r.previousStatus === "running").map((r) => r.name), ["lint"]);
    assert.equal(manager.get(other.id).status, "running");
    assert.equal(manager.get(web.id).status, "cancelled");

    const byStatus = await manager.kill({ status: "running", ids: [other.id] });
    assert.deepEqual(byStatus.map((r) => r.name), ["other"]);
    assert.equal(manager.get(done.id).status, "completed", "a finished job keeps its status");
  });

  test("killing a finished job still removes processes it left behind", async () => {
    const pidsFile = path.join(sandbox.stateDir, "pids-leftover");
    const job = await manager.create({ command: `setsid sleep 300 & echo $! > "$PIDS"; exit 0`, env: { PIDS: pidsFile } });
    const done = await manager.waitForStatus(job.id);
    assert.equal(done.status, "completed");
    const leftover = Number(await fs.readFile(pidsFile, "utf8"));
    assert.ok(isProcessAlive(leftover));
    const [report] = await manager.kill({ ids: [job.id] });
    assert.equal(report?.status, "completed");
    await eventually(() => !isProcessAlive(leftover), 3000, "the leftover to die");
  });
});

test("a kill right after create ends the job by SIGTERM: its command either never starts or gets the TERM", async () => {
  const marks = await fs.mkdtemp(path.join(sandbox.stateDir, "marks-"));
  for (let round = 0; round < 6; round++) {
    const started = path.join(marks, `started-${round}`);
    const termed = path.join(marks, `termed-${round}`);
    // Once its TERM handler is set, the command says it started; `exec sleep` would not trap.
    const command = `trap "echo > '${termed}'; exit 0" TERM; echo > '${started}'; sleep 300 & wait`;
    const job = await manager.create({ command, name: `kill-at-once-${round}` });
    const [report] = await manager.kill({ ids: [job.id] });
    assert.equal(report?.status, "cancelled");
    assert.equal(report?.forced, 0, `round ${round}: no process needed SIGKILL (${JSON.stringify(report)})`);
    const ran = await fs.access(started).then(() => true, () => false);
    if (ran) await eventually(() => fs.access(termed).then(() => true, () => false), 5000, `round ${round}: the started command's TERM handler`);
  }
});
