// A create that fails half-way (tmux missing) makes the job's folder and removes it again. A
// manager that opens or discovers jobs meanwhile must not keep that job: it never started, and the
// TUI sidebar once showed it as "• e2e-no-tmux 0s · pending" for good (1 run in 231 of npm test).
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { JobManager } from "../../src/core/manager.js";
import { createTmuxSandbox, eventually, type TmuxSandbox } from "../helpers/tmux-sandbox.js";

let sandbox: TmuxSandbox;
before(async () => {
  sandbox = await createTmuxSandbox("obg-failed-create");
});
after(async () => {
  await sandbox.cleanup();
});

test("managers opened while creates keep failing never list a job that never started", async () => {
  // No tmux on PATH: every create makes its folder, fails, and removes the folder again.
  const creator = await JobManager.open({ env: { ...sandbox.env, PATH: "/nonexistent-bin" }, config: sandbox.config });
  let stop = false;
  let creates = 0;
  const failing = (async () => {
    while (!stop) {
      await assert.rejects(creator.create({ command: "echo hi", name: `never-${creates++}`, baseEnv: sandbox.env }), /could not start/);
    }
  })();
  const observers: JobManager[] = [];
  try {
    // Before the fix, 2 of 15 observers opened this way kept a job pending for good: recover()
    // read meta.json, the folder went (its "removed" event found nothing to remove), then tracked it.
    for (let i = 0; i < 20; i++) observers.push(await sandbox.open({ observeOnly: true }));
  } finally {
    stop = true;
    await failing;
    await creator.close();
  }
  assert.ok(creates > 1, `only ${creates} create(s) raced the observers`);
  await eventually(() => {
    const listed = observers.map((observer) => observer.list().length);
    if (listed.some((count) => count > 0)) throw new Error(`jobs listed per observer: ${listed.join(",")}`);
    return true;
  }, 5000, "no observer to list a job");
});
