// The agent's bill (issue 10): what the tool definitions cost on every request, measured as
// OpenCode 1.18.33 builds them (scripts/tool-size.ts), stays within budget and keeps its shape.
import { test } from "node:test";
import assert from "node:assert/strict";
import { measureTools, openCodeJsonSchema, TOOL_BUDGET_CHARS } from "../../scripts/tool-size.js";
import { pluginTools } from "../../src/plugin/tools/index.js";

const tools = pluginTools({ manager: () => Promise.reject(new Error("unused")) });

test("all tools together cost at most the budget in description and JSON Schema characters", () => {
  const total = measureTools(tools).reduce((sum, size) => sum + size.total, 0);
  assert.ok(total <= TOOL_BUDGET_CHARS, `${total} > ${TOOL_BUDGET_CHARS}`);
});

test("a tool acting on one process requires processId, and no taskId alias is offered", () => {
  for (const name of ["getBackgroundProcess", "sendProcessInput", "waitForProcess", "restartProcess"]) {
    const schema = openCodeJsonSchema(tools[name]!.args) as { required?: string[]; properties: Record<string, unknown> };
    assert.ok(schema.required?.includes("processId"), name);
  }
  for (const [name, definition] of Object.entries(tools)) assert.ok(!("taskId" in definition.args), name);
});

test("schemas carry types only: no nested unions, no limits, no per-argument prose", () => {
  for (const [name, definition] of Object.entries(tools)) {
    const json = JSON.stringify(openCodeJsonSchema(definition.args));
    assert.doesNotMatch(json, /"anyOf"|"oneOf"|"minimum"|"maximum"|"minLength"|"maxLength"|"maxItems"|"pattern":"|"description"/, name);
  }
  const wait = openCodeJsonSchema(tools.waitForProcess!.args) as { properties: Record<string, { type: string }> };
  assert.deepEqual(Object.fromEntries(Object.entries(wait.properties).map(([key, value]) => [key, value.type])), { processId: "string", until: "string", pattern: "string", port: "number", timeoutMs: "number" });
});
