// Restarts that tell the truth (issue 8, item 9): a wait after a restart looks at the new run's
// output, not the previous run's; a run that fails while its restart is being recorded is
// recorded as failed at once, and a kill right after does not turn that failure into "cancelled".
// Real tmux on a private socket.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createTmuxSandbox, eventually, type TmuxSandbox } from "../helpers/tmux-sandbox.js";
import type { JobManager } from "../../src/core/manager.js";
import { JobExitSchema, readJson } from "../../src/core/job/job-files.js";
import { waitForJob } from "../../src/core/wait/waiter.js";

let sandbox: TmuxSandbox;
let manager: JobManager;
let scratch: string;

before(async () => {
  sandbox = await createTmuxSandbox("obg-restart-truth");
  // The 2-second liveness poll would hide a missed exit: here it never runs during a test.
  manager = await sandbox.open({ config: { livenessIntervalMs: 60_000 } });
  scratch = await fs.mkdtemp(path.join(os.tmpdir(), "obg-restart-truth-"));
});
after(async () => {
  await sandbox.cleanup();
  await fs.rm(scratch, { recursive: true, force: true });
});

describe("restart truth", () => {
  test("restart wait: waiting for a pattern after a restart does not match the previous run's line", async () => {
    const flag = path.join(scratch, "ran-once");
    // The first run says "ready"; the second never does.
    const job = await manager.create({
      command: `if [ -e ${JSON.stringify(flag)} ]; then echo "second run"; else touch ${JSON.stringify(flag)}; echo ready; fi; sleep 300`,
      scope: "global",
    });
    const first = await waitForJob(manager, job.id, { pattern: "^ready$" }, { timeoutMs: 15_000 });
    assert.equal(first.outcome, "matched");
    const report = await manager.restart(job.id);
    const second = await waitForJob(manager, job.id, { pattern: "^second run$" }, { timeoutMs: 15_000 });
    assert.equal(second.outcome, "matched");
    assert.ok(second.line!.no >= report.firstLine, `the new run's line ${second.line!.no} is at or after ${report.firstLine}`);
    const again = await waitForJob(manager, job.id, { pattern: "^ready$" }, { timeoutMs: 500 });
    assert.equal(again.outcome, "timeout", `the old run's "ready" (line ${again.line?.no}) does not count; the new run starts at ${report.firstLine}`);
    // Asked for explicitly, the whole log is searched.
    const whole = await waitForJob(manager, job.id, { pattern: "^ready$" }, { timeoutMs: 500, since: 1 });
    assert.equal(whole.outcome, "matched");
    assert.equal(whole.line?.no, first.line?.no);
    await manager.kill({ ids: [job.id] });
  });

  test("restart failure: a run that fails at once is recorded as failed, and a kill right after does not call it cancelled", async () => {
    const trials = 5;
    const wrong: string[] = [];
    for (let trial = 0; trial < trials; trial++) {
      const job = await manager.create({ command: "exit 3", scope: "global" });
      await manager.waitForStatus(job.id, ["failed"], 15_000);
      const report = await manager.restart(job.id);
      // The new run's exit is on disk: that is what happened, whatever the manager has recorded yet.
      await eventually(async () => {
        const exit = await readJson(path.join(sandbox.stateDir, "jobs", job.id, "exit.json"), JobExitSchema).catch(() => undefined);
        return exit && exit.run === report.run;
      }, 15_000, "the new run's exit.json");
      const [killed] = await manager.kill({ ids: [job.id] });
      const view = manager.get(job.id);
      if (view.status !== "failed" || view.exitCode !== 3 || killed?.status !== "failed") {
        wrong.push(`trial ${trial}: restart said ${report.job.status}, kill found ${killed?.previousStatus} and left ${view.status} (${view.error})`);
      }
    }
    assert.deepEqual(wrong, [], `${wrong.length}/${trials} trials recorded the run's own failure wrongly`);
  });

  test("restart failure: the restart's own result says failed when the new run failed while it was recorded", async () => {
    const trials = 5;
    const wrong: string[] = [];
    for (let trial = 0; trial < trials; trial++) {
      const job = await manager.create({ command: "exit 3", scope: "global" });
      await manager.waitForStatus(job.id, ["failed"], 15_000);
      const report = await manager.restart(job.id);
      const returnedAt = Date.now();
      const exit = await readJson(path.join(sandbox.stateDir, "jobs", job.id, "exit.json"), JobExitSchema).catch(() => undefined);
      // Only trials where the run had ended well before restart returned say anything here: an
      // exit.json written in the last moment (`exit 3` ends in ms) may postdate the answer.
      if (exit?.run === report.run && exit.endedAt + 200 < returnedAt && report.job.status !== "failed") wrong.push(`trial ${trial}: exit.json of run ${exit.run} was there, restart said ${report.job.status}`);
      // Whatever restart returned, the failure is recorded without waiting for a liveness poll.
      const view = await manager.waitForStatus(job.id, ["failed", "completed", "cancelled"], 10_000).catch((error: Error) => ({ status: error.message, exitCode: undefined }));
      if (view.status !== "failed" || view.exitCode !== 3) wrong.push(`trial ${trial}: recorded ${view.status}`);
    }
    assert.deepEqual(wrong, [], `${wrong.length} wrong answers in ${trials} trials`);
  });
});
