// The agent's bill as OpenCode really sends it: the tool definitions in the model request of a
// real OpenCode 1.18.33 match what scripts/tool-size.ts measures (description and schema), so the
// CI figure is the true cost.
import { test } from "node:test";
import assert from "node:assert/strict";
import { measureTools, openCodeJsonSchema } from "../../scripts/tool-size.js";
import { pluginTools } from "../../src/plugin/tools/index.js";
import { withOpencode } from "./plugin-helpers.js";

test("the tool definitions OpenCode sends the model are the ones tool-size measures", { timeout: 120_000 }, async () => {
  await withOpencode(() => ({ text: "ok" }), {}, async ({ fake, opencode }) => {
    const result = await opencode.run("hello", { timeoutMs: 60_000 });
    assert.equal(result.exitCode, 0, result.stderr);
    const sent = new Map<string, { description?: string; parameters?: unknown }>();
    for (const entry of fake.requests.find((req) => req.tools?.length)?.tools ?? []) {
      const fn = (entry as { function?: { name?: string; description?: string; parameters?: unknown } }).function;
      if (fn?.name) sent.set(fn.name, fn);
    }
    const tools = pluginTools({ manager: () => Promise.reject(new Error("unused")) });
    const measured = measureTools(tools);
    let sentTotal = 0;
    for (const size of measured) {
      const fn = sent.get(size.name);
      assert.ok(fn, `${size.name} is offered to the model`);
      assert.equal(fn.description, tools[size.name]!.description, size.name);
      assert.deepEqual(fn.parameters, openCodeJsonSchema(tools[size.name]!.args), size.name);
      sentTotal += (fn.description ?? "").length + JSON.stringify(fn.parameters).length;
    }
    const total = measured.reduce((sum, size) => sum + size.total, 0);
    if (process.env.OBG_SHOW) console.log(`measured ${total}, sent ${sentTotal}`);
    assert.equal(sentTotal, total, "OpenCode sends exactly what tool-size counts");
  });
});
