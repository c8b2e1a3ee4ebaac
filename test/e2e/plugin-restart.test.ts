// restartProcess through the real OpenCode and a scripted model: the model starts a job,
// restarts it and reads it back; the list shows restarts and disk use; an old finished job left
// by an earlier OpenCode is collected when the plugin starts (gcAfterDays, default 7).
import { test } from "node:test";
import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import path from "node:path";
import type { ModelStep, ScriptContext } from "../../scripts/e2e/fake-model.js";
import { isProcessAlive } from "../../src/core/end/process-tree.js";
import { processIdFrom, withOpencode } from "./plugin-helpers.js";

test("the model restarts a running job and reads it: same window, new process, log continues", { timeout: 120_000 }, async () => {
  let jobId = "";
  const script = (_req: unknown, { turn, fake }: ScriptContext): ModelStep => {
    switch (turn) {
      case 0: return { toolCalls: [{ name: "createBackgroundProcess", args: { command: `echo "pid $$"; sleep 300`, name: "restartable", tags: ["web"] } }] };
      case 1:
        jobId = processIdFrom(fake.toolResults()[0]?.content);
        return { toolCalls: [{ name: "restartProcess", args: { processId: jobId } }] };
      case 2: return { toolCalls: [{ name: "getBackgroundProcess", args: { processId: jobId } }] };
      case 3: return { toolCalls: [{ name: "listBackgroundProcesses", args: {} }] };
      default: return { text: "Restarted." };
    }
  };
  await withOpencode(script, {}, async ({ opencode, jobs }) => {
    // A job an earlier OpenCode finished eight days ago: the plugin removes it when it starts.
    const earlier = await jobs.open({ instanceId: "earlier-opencode" });
    const old = await earlier.create({ command: "echo old", name: "old-job", scope: "global" });
    await earlier.waitForStatus(old.id, ["completed"], 15_000);
    await earlier.close();
    const oldDir = path.dirname(old.logPath);
    const outcome = JSON.parse(await fs.readFile(path.join(oldDir, "outcome.json"), "utf8")) as { endedAt: number };
    await fs.writeFile(path.join(oldDir, "outcome.json"), JSON.stringify({ ...outcome, endedAt: Date.now() - 8 * 24 * 3600 * 1000 }));

    const result = await opencode.run("Start the server, restart it and check it.", { timeoutMs: 90_000 });
    assert.equal(result.exitCode, 0, result.stderr);
    const uses = result.toolUses();
    assert.deepEqual(uses.map((use) => use.tool), ["createBackgroundProcess", "restartProcess", "getBackgroundProcess", "listBackgroundProcesses"]);
    for (const use of uses) assert.equal(use.status, "completed", `${use.tool}: ${use.error ?? ""}`);
    const [create, restart, get, list] = uses.map((use) => String(use.output));
    if (process.env.OBG_SHOW) console.log(uses.map((use) => `>>> ${use.tool} ${JSON.stringify(use.input)}\n${use.output}`).join("\n"));

    assert.match(restart ?? "", new RegExp(`^restarted ${jobId} "restartable" \\(restart 1; was running; \\d+ old process\\(es\\) ended; same tmux window\\)`));
    assert.match(restart ?? "", /^status: running$/m);
    assert.match(restart ?? "", /^restarts: 1$/m);
    const window = /attach: .*(@\d+)$/m.exec(create ?? "")?.[1];
    assert.ok(window, create);
    assert.match(restart ?? "", new RegExp(`attach: .*${window}$`, "m"), "the same tmux window");
    assert.match(restart ?? "", /^--- opencode-bg: restart 1 \(/m, "the new run's output starts at the separator");

    const pids = [...(get ?? "").matchAll(/^pid (\d+)$/gm)].map((match) => Number(match[1]));
    assert.equal(pids.length, 2, get);
    assert.notEqual(pids[0], pids[1]);
    assert.ok((get ?? "").indexOf(`pid ${pids[0]}`) < (get ?? "").indexOf("--- opencode-bg: restart 1") && (get ?? "").indexOf("--- opencode-bg: restart 1") < (get ?? "").indexOf(`pid ${pids[1]}`));
    assert.match(get ?? "", /^restarts: 1$/m);
    assert.ok(!isProcessAlive(pids[0]!), "the first run's shell is gone");

    assert.match(list ?? "", new RegExp(`^${jobId} running .* \\[web\\] restarts=1 \\| pid ${pids[1]}$`, "m"));
    assert.match(list ?? "", /^logs on disk: \d+(\.\d)? (B|KB) \(cap 64\.0 MB per job\)$/m);

    await assert.rejects(fs.stat(oldDir), /ENOENT/, "the eight-day-old job was collected at start");
    const observer = await jobs.open({ observeOnly: true });
    assert.equal(observer.get(jobId).restarts, 1);
    assert.equal(observer.has(old.id), false);
  });
});
