// The waiting-for-input alarm through the real OpenCode with the scripted model: a y/N prompt
// reaches the model as one framed prompt naming the sendProcessInput call; the model answers
// with that call and the job goes on.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { ChatRequest, ModelStep } from "../../scripts/e2e/fake-model.js";
import { messageText } from "../../scripts/e2e/fake-model.js";
import { eventually } from "../helpers/tmux-sandbox.js";
import { withOpencode } from "./plugin-helpers.js";

const lastUserText = (req: ChatRequest) => {
  const last = req.messages.at(-1);
  return last?.role === "user" ? messageText(last) : "";
};
const ANSWER_CALL = /sendProcessInput (\{"processId":"[0-9a-z]{8}","text":"y"\})/;

test("a y/N prompt reaches the model once; the model answers with sendProcessInput and the job goes on", { timeout: 120_000 }, async () => {
  const command = `echo "migrating"; read -p "Proceed? (y/N) " a; echo "got $a"; sleep 300`;
  const script = (req: ChatRequest): ModelStep => {
    const last = req.messages.at(-1);
    if (last?.role === "user") {
      const text = messageText(last);
      const call = ANSWER_CALL.exec(text);
      // The alarm: answer with exactly the call it names.
      if (call?.[1]) return { toolCalls: [{ name: "sendProcessInput", args: JSON.parse(call[1]) as Record<string, unknown> }] };
      if (!text.startsWith("[opencode-bg]")) return { toolCalls: [{ name: "createBackgroundProcess", args: { command, name: "migration" } }] };
    }
    return { text: "ok" };
  };
  await withOpencode(script, {}, async ({ fake, opencode, jobs }) => {
    const server = await opencode.serve();
    const session = await server.client.session.create({ body: {} });
    const sessionId = session.data?.id;
    assert.ok(sessionId);
    await server.client.session.promptAsync({ path: { id: sessionId }, body: { parts: [{ type: "text", text: "run the migration" }] } });
    const alarm = await fake.waitForRequest((req) => lastUserText(req).startsWith("[opencode-bg]"), 30_000);
    const text = lastUserText(alarm);
    assert.match(text, /"migration" \(id [0-9a-z]{8}\) stopped on a prompt:\n> Proceed\? \(y\/N\) \nIt waits for input\. To answer: sendProcessInput/);
    // The model's answer went through, and the job printed what it got.
    await fake.waitForRequest((req) => req.messages.filter((m) => m.role === "tool").length >= 2, 30_000);
    const observer = await jobs.open({ observeOnly: true });
    const [job] = observer.list();
    assert.ok(job);
    await eventually(async () => (await observer.output(job.id, { lines: 5 })).lines.some((line) => line.text === "got y"), 10_000, "got y");
    assert.equal(observer.get(job.id).status, "running");
    await eventually(() => observer.get(job.id).inputWait === undefined, 5_000, "the alarm cleared");
    // Once: a single alarm prompt for the one prompt.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    assert.equal(fake.userMessages().filter((message) => ANSWER_CALL.test(message)).length, 1);
    await server.stop();
  });
});
