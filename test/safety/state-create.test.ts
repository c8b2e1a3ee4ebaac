// Issue 8 item 10b: a create() that fails half-way leaves no half-made job folder behind; the
// caller gets an error that says why.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { promises as fs } from "node:fs";
import { fileURLToPath } from "node:url";
import { createTmuxSandbox, type TmuxSandbox } from "../helpers/tmux-sandbox.js";
import { JobManager } from "../../src/core/manager.js";
import { jobsDir } from "../../src/core/job/job-files.js";
import { JobStartError } from "../../src/core/errors.js";

let sandbox: TmuxSandbox;

before(async () => {
  sandbox = await createTmuxSandbox("obg-state-create");
});
after(async () => {
  await sandbox.cleanup();
});

describe("a failed create leaves nothing behind", () => {
  test("tmux missing: create rejects with the reason, and no job folder or job is left", async () => {
    const env = { ...sandbox.env, PATH: "/nonexistent-bin" };
    const manager = await JobManager.open({ env, config: sandbox.config });
    try {
      const before = await fs.readdir(jobsDir(sandbox.stateDir));
      await assert.rejects(manager.create({ command: "echo hi", baseEnv: sandbox.env }), (error: unknown) => {
        assert.ok(error instanceof JobStartError, `a JobStartError, got ${String(error)}`);
        assert.match(error.message, /could not start: tmux not found on PATH/);
        return true;
      });
      assert.deepEqual(await fs.readdir(jobsDir(sandbox.stateDir)), before, "no half-made folder");
      assert.deepEqual(manager.list(), []);
    } finally {
      await manager.close();
    }
  });

  test("CLI run with tmux missing: exits 1 with the reason every time (a watcher leaked by the removed folder hung it 3 runs in 6)", { timeout: 180_000 }, async () => {
    const main = fileURLToPath(new URL("../../src/cli/main.ts", import.meta.url));
    const env = { ...sandbox.env, PATH: "/nonexistent-bin", NO_COLOR: "1" };
    const outcomes: string[] = [];
    for (let trial = 0; trial < 5; trial++) {
      const result = spawnSync(process.execPath, ["--import", "tsx", main, "run", "--", "echo hi"], { env, encoding: "utf8", timeout: 20_000 });
      outcomes.push(result.status === 1 && /could not start: tmux not found on PATH/.test(result.stderr) ? "ok" : `status ${result.status} signal ${result.signal}: ${result.stderr.slice(0, 200)}`);
    }
    assert.deepEqual(outcomes, Array(5).fill("ok"));
    assert.deepEqual(await fs.readdir(jobsDir(sandbox.stateDir)), [], "no folder left by any run");
  });
});
