// Issue 8 item 10c: a final status waits for the end of the output. Under a flood through the
// capped log writer the log was far behind when the exit was seen (24k lines before its last
// line): a reader right after the final status must already see the last line.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createTmuxSandbox, type TmuxSandbox } from "../helpers/tmux-sandbox.js";
import { MIN_MAX_LOG_BYTES } from "../../src/core/output/log-cap.js";
import type { JobView } from "../../src/core/job/job.js";

let sandbox: TmuxSandbox;

before(async () => {
  sandbox = await createTmuxSandbox("obg-state-end");
});
after(async () => {
  await sandbox.cleanup();
});

describe("the final status waits for the end of output", () => {
  test("flood through a small capped log: when the status turns final, the last line is already read", { timeout: 240_000 }, async () => {
    const manager = await sandbox.open({ config: { maxLogBytes: MIN_MAX_LOG_BYTES } });
    const trials = 3;
    const behind: string[] = [];
    for (let trial = 0; trial < trials; trial++) {
      const job = await manager.create({ command: "seq 1 300000", name: `flood-${trial}` });
      // The view handed out with the final status event: what a reader at that moment sees. The
      // timer also keeps this process alive meanwhile: the manager holds no handle that would
      // (without a control-mode client, on a default server with tmux < 3.7, nothing else does).
      const final = await new Promise<JobView>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no final status for ${job.id} within 120 s`)), 120_000);
        const stop = manager.on("status", (view) => {
          if (view.id !== job.id || view.status === "running" || view.status === "pending") return;
          stop();
          clearTimeout(timer);
          resolve(view);
        });
      });
      assert.equal(final.status, "completed");
      if (final.lastLine !== "300000") behind.push(`trial ${trial}: last line read was ${final.lastLine}`);
    }
    assert.deepEqual(behind, [], `${behind.length}/${trials} final statuses came before the end of output`);
  });
});
