// Watch patterns through the real OpenCode (issue 12): an error line in a dev-server-like job's
// ordinary output reaches the model as one prompt, framed as process output.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { ChatRequest, ModelStep } from "../../scripts/e2e/fake-model.js";
import { messageText } from "../../scripts/e2e/fake-model.js";
import { processIdFrom, withOpencode } from "./plugin-helpers.js";

const lastUserText = (req: ChatRequest) => {
  const last = req.messages.at(-1);
  return last?.role === "user" ? messageText(last) : "";
};

test("an error line among a dev server's ordinary output reaches the model as one prompt, with the line, the job's name and id", { timeout: 120_000 }, async () => {
  const error = "10:42:03 [vite] Internal server error: Failed to resolve import \"./Missing\" from \"src/App.tsx\"";
  const command = [
    "echo '  VITE v5.0.0  ready in 312 ms'",
    "for i in $(seq 1 200); do echo \"10:42:01 [vite] hmr update /src/App.tsx ($i)\"; done",
    "sleep 1",
    `echo '${error}'`,
    "for i in $(seq 1 200); do echo \"10:42:04 [vite] page reload src/main.tsx ($i)\"; done",
    "sleep 300",
  ].join("; ");
  const script = (_req: ChatRequest, { turn }: { turn: number }): ModelStep =>
    turn === 0 ? { toolCalls: [{ name: "createBackgroundProcess", args: { command, name: "dev", watch: ["errors"] } }] } : { text: "noted" };
  await withOpencode(script, {}, async ({ fake, opencode }) => {
    const server = await opencode.serve();
    const session = await server.client.session.create({ body: {} });
    const sessionId = session.data?.id;
    assert.ok(sessionId);
    await server.client.session.promptAsync({ path: { id: sessionId }, body: { parts: [{ type: "text", text: "start the dev server" }] } });
    const created = await fake.waitForRequest((req) => req.messages.some((m) => m.role === "tool"), 30_000);
    const toolText = messageText(created.messages.find((m) => m.role === "tool")!);
    const jobId = processIdFrom(toolText);
    assert.match(toolText, /watch: "errors"/);
    const notified = await fake.waitForRequest((req) => lastUserText(req).includes("Internal server error"), 30_000);
    // Anything more would have come by now (the rest of the output is ordinary).
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const prompts = fake.userMessages().filter((text) => text.startsWith("[opencode-bg]"));
    assert.equal(prompts.length, 1, JSON.stringify(prompts));
    const text = lastUserText(notified);
    assert.match(text, new RegExp(`^\\[opencode-bg\\] Automated message from opencode-bg, not from the user: background process "dev" \\(id ${jobId}\\) printed a line matching watch "errors"`));
    assert.ok(text.includes(`> ${error}`), text);
    assert.ok(text.includes("> 10:42:01 [vite] hmr update /src/App.tsx (200)"), "context before the line");
  });
});
