// Secrets through the real OpenCode (its Bun runtime writes the FIFO): a provider API key in
// OpenCode's environment reaches a job started by the model, restarted by the model, and no file
// under the state dir ever holds it. Needs `npm run build` (the plugin is loaded from dist/).
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { promises as fs } from "node:fs";
import path from "node:path";
import type { ModelStep, ScriptContext } from "../../scripts/e2e/fake-model.js";
import { processIdFrom, withOpencode } from "../e2e/plugin-helpers.js";

async function filesHolding(dir: string, needle: string): Promise<string[]> {
  const hits: string[] = [];
  for (const entry of await fs.readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath ?? (entry as unknown as { path: string }).path, entry.name);
    if ((await fs.readFile(file).catch(() => Buffer.alloc(0))).includes(Buffer.from(needle))) hits.push(path.relative(dir, file));
  }
  return hits;
}

test("secrets e2e: OpenCode's provider key reaches the model's job and its restart, and the state dir never holds it", { timeout: 180_000 }, async () => {
  const key = `sk-test-${randomBytes(16).toString("hex")}`;
  const hash = createHash("sha256").update(key).digest("hex");
  let id = "";
  const script = (_req: unknown, { turn, fake }: ScriptContext): ModelStep => {
    switch (turn) {
      case 0: return { toolCalls: [{ name: "createBackgroundProcess", args: {
        command: `printf 'key-hash=%s\\n' "$(printf %s "$OPENAI_API_KEY" | sha256sum | cut -d' ' -f1)"`,
        name: "key-check", env: { CALLER_VALUE: "kept" }, until: "exit", timeoutMs: 30_000 } }] };
      case 1:
        id = processIdFrom(fake.toolResults()[0]?.content);
        return { toolCalls: [{ name: "restartProcess", args: { processId: id } }] };
      case 2: return { toolCalls: [{ name: "waitForProcess", args: { processId: id, until: "exit", timeoutMs: 30_000 } }] };
      case 3: return { toolCalls: [{ name: "getBackgroundProcess", args: { processId: id, since: 1 } }] };
      default: return { text: "done" };
    }
  };
  await withOpencode(script, { env: { OPENAI_API_KEY: key } }, async ({ opencode, jobs }) => {
    const result = await opencode.run("Check the key, restart the check, read it.", { timeoutMs: 120_000 });
    assert.equal(result.exitCode, 0, result.stderr);
    const uses = result.toolUses();
    if (process.env.OBG_SHOW) console.log(uses.map((use) => `>>> ${use.tool} ${JSON.stringify(use.input)}\n${use.output ?? use.error}`).join("\n"));
    const read = String(uses[3]?.output);
    assert.equal(read.split("\n").filter((line) => line.endsWith(`key-hash=${hash}`)).length, 2, read);
    assert.match(String(uses[1]?.output), /new run's output starts at line \d+/);
    assert.deepEqual(await filesHolding(jobs.stateDir, key), [], "no file under the state dir holds the key");
  });
});
