// The external_directory permission through the real OpenCode: a background command whose cwd
// leaves the project is governed by the user's external_directory rules, as OpenCode's own bash
// tool is (issue 8, item 3). The tool-level details are in test/safety/scope.test.ts.
import { test } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import type { ModelStep } from "../../scripts/e2e/fake-model.js";
import { processIdFrom, withOpencode } from "./plugin-helpers.js";

/** One createBackgroundProcess call, then plain text. */
const createOutside = (_req: unknown, { turn }: { turn: number }): ModelStep =>
  turn === 0 ? { toolCalls: [{ name: "createBackgroundProcess", args: { command: "pwd; sleep 300", name: "outside", cwd: "../.." } }] } : { text: "noted" };

test("external_directory \"deny\": a create with cwd \"../..\" is refused and nothing starts", { timeout: 120_000 }, async () => {
  await withOpencode(createOutside, { permission: { "*": "allow", external_directory: "deny" } }, async ({ opencode, jobs }) => {
    const result = await opencode.run("start it one level above the project's parent", { timeoutMs: 60_000 });
    const [use] = result.toolUses();
    assert.equal(use?.tool, "createBackgroundProcess");
    assert.equal(use?.status, "error", `refused: ${use?.output ?? ""}`);
    const observer = await jobs.open({ observeOnly: true });
    assert.deepEqual(observer.list(), [], "nothing was started");
  });
});

test("external_directory \"allow\": the same create runs in the directory outside the project", { timeout: 120_000 }, async () => {
  await withOpencode(createOutside, { permission: { "*": "allow", external_directory: "allow" } }, async ({ opencode, jobs }) => {
    const result = await opencode.run("start it one level above the project's parent", { timeoutMs: 60_000 });
    const [use] = result.toolUses();
    assert.equal(use?.status, "completed", use?.error ?? "");
    const outside = path.resolve(opencode.projectDir, "../..");
    assert.match(use?.output ?? "", new RegExp(`^cwd: ${outside}$`, "m"));
    const observer = await jobs.open({ observeOnly: true });
    assert.equal(observer.get(processIdFrom(use?.output)).cwd, outside);
  });
});
