// Notifications, session deletion, jobs outliving OpenCode, and the bash permission rule,
// through the real OpenCode (serve + SDK where a session must stay alive between turns).
import { test } from "node:test";
import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import path from "node:path";
import type { ChatRequest, ModelStep } from "../../scripts/e2e/fake-model.js";
import { messageText } from "../../scripts/e2e/fake-model.js";
import { eventually } from "../helpers/tmux-sandbox.js";
import { isProcessAlive } from "../../src/core/end/process-tree.js";
import { processIdFrom, withOpencode } from "./plugin-helpers.js";
import { NOTIFY_NOTE } from "../../src/plugin/notify-prompt.js";
import { DELIVERED_KEY } from "../../src/plugin/runtime.js";

const lastUserText = (req: ChatRequest) => {
  const last = req.messages.at(-1);
  return last?.role === "user" ? messageText(last) : "";
};

/** Calls each tool step once, in order; then answers every later prompt with plain text. */
function steps(...calls: { name: string; args: Record<string, unknown> }[]) {
  return (_req: ChatRequest, { turn }: { turn: number }): ModelStep => {
    const call = calls[turn];
    return call ? { toolCalls: [call] } : { text: "noted" };
  };
}

test("OPENCODE_NOTIFY lines from stdout and stderr reach the session as prompts; a leading space or an empty message sends nothing", { timeout: 120_000 }, async () => {
  const command = [
    "sleep 1",
    "echo 'OPENCODE_NOTIFY: build ready (stdout)'",
    "echo 'OPENCODE_NOTIFY: 2 tests failed (stderr)' >&2",
    "echo ' OPENCODE_NOTIFY: leading space'",
    "echo 'OPENCODE_NOTIFY:   '",
    "sleep 300",
  ].join("; ");
  const script = steps({ name: "createBackgroundProcess", args: { command, name: "notifier" } });
  await withOpencode(script, {}, async ({ fake, opencode }) => {
    const server = await opencode.serve();
    const session = await server.client.session.create({ body: {} });
    const sessionId = session.data?.id;
    assert.ok(sessionId);
    await server.client.session.promptAsync({ path: { id: sessionId }, body: { parts: [{ type: "text", text: "start the notifier" }] } });
    const created = await fake.waitForRequest((req) => req.messages.some((m) => m.role === "tool"), 30_000);
    const jobId = processIdFrom(messageText(created.messages.find((m) => m.role === "tool")!));
    await fake.waitForRequest((req) => lastUserText(req).includes("2 tests failed (stderr)"), 30_000);
    await fake.waitForRequest((req) => lastUserText(req).includes("build ready (stdout)"), 5_000);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const prompts = fake.userMessages().filter((text) => text.startsWith("[opencode-bg]"));
    assert.ok(prompts.length >= 1 && prompts.length <= 2, `one or two prompts, got ${JSON.stringify(prompts)}`);
    assert.ok(prompts.every((text) => text.includes(`"notifier" (id ${jobId})`)), "headed with the job's name and id");
    assert.ok(!fake.userMessages().some((text) => text.includes("leading space")));
    assert.ok(!prompts.some((text) => /OPENCODE_NOTIFY:\s*$/m.test(text)));
    // The notification runs the session's own model (the only one configured here) in the same session.
    const notified = fake.requests.filter((req) => lastUserText(req).startsWith("[opencode-bg]"));
    assert.ok(notified.every((req) => req.model === "fake-model"));
    // Framed as process output: the model gets the frame, the quoted marker and the synthetic note.
    const framed = notified.find((req) => lastUserText(req).includes("2 tests failed (stderr)"));
    assert.ok(framed, "the stderr marker reached the model");
    assert.match(lastUserText(framed), new RegExp(`^\\[opencode-bg\\] Automated message from opencode-bg, not from the user: .*"notifier" \\(id ${jobId}\\)`));
    assert.match(lastUserText(framed), /\n> 2 tests failed \(stderr\)/);
    assert.ok(lastUserText(framed).includes(NOTIFY_NOTE), "the synthetic note is sent to the model");
    // Stored in the session as a synthetic part, which the TUI leaves out of the user's text.
    const stored = await server.client.session.messages({ path: { id: sessionId } });
    const parts = (stored.data ?? []).flatMap((message) => message.parts as { type: string; text?: string; synthetic?: boolean; metadata?: Record<string, unknown> }[]);
    const notes = parts.filter((part) => part.type === "text" && part.synthetic === true && part.text === NOTIFY_NOTE);
    assert.ok(notes.length >= 1);
    // Each note carries, in its metadata, how far the job's markers are delivered (read back on take-over).
    assert.ok(notes.every((part) => typeof (part.metadata?.[DELIVERED_KEY] as Record<string, unknown> | undefined)?.[jobId] === "number"), JSON.stringify(notes));
    assert.ok(parts.some((part) => part.type === "text" && !part.synthetic && part.text?.includes("> 2 tests failed (stderr)")));
    await server.stop();
  });
});

test("deleting a session kills its session job and leaves its global job running", { timeout: 120_000 }, async () => {
  const script = steps(
    { name: "createBackgroundProcess", args: { command: "sleep 300", name: "session-job" } },
    { name: "createBackgroundProcess", args: { command: "sleep 301", name: "global-job", global: true } },
  );
  await withOpencode(script, {}, async ({ fake, opencode, jobs }) => {
    const server = await opencode.serve();
    const session = await server.client.session.create({ body: {} });
    const sessionId = session.data?.id;
    assert.ok(sessionId);
    await server.client.session.promptAsync({ path: { id: sessionId }, body: { parts: [{ type: "text", text: "start both" }] } });
    await fake.waitForRequest((req) => req.messages.filter((m) => m.role === "tool").length >= 2, 30_000);
    const observer = await jobs.open({ observeOnly: true });
    const [sessionJob, globalJob] = await eventually(() => {
      const list = observer.list({ sessionId });
      return list.length === 2 && list.every((job) => job.status === "running") ? list : undefined;
    }, 10_000, "both jobs running");
    assert.equal(sessionJob?.name, "session-job");
    await server.client.session.delete({ path: { id: sessionId } });
    await eventually(() => observer.get(sessionJob!.id).status === "cancelled", 10_000, "the session job to be cancelled");
    assert.match(observer.get(sessionJob!.id).error ?? "", /chat session was deleted/);
    // The observer may read the end from exit.json a moment before the wrapper itself has exited.
    const pid = sessionJob?.pid;
    assert.ok(pid);
    await eventually(() => !isProcessAlive(pid), 5_000, "the session job's process to be gone");
    assert.equal(observer.get(globalJob!.id).status, "running");
    await server.stop();
  });
});

test("a global job started by one OpenCode is listed, read and still notifies its session from the next one", { timeout: 150_000 }, async () => {
  let goFile = "";
  let sessionOne = "";
  let jobId = "";
  const script = (_req: ChatRequest, { turn }: { turn: number }): ModelStep => {
    if (turn === 0) {
      const command = `for i in $(seq 1 3); do echo "global tick $i"; done; while [ ! -e '${goFile}' ]; do sleep 0.1; done; echo 'OPENCODE_NOTIFY: still here after a restart'; sleep 300`;
      return { toolCalls: [{ name: "createBackgroundProcess", args: { command, name: "survivor", global: true } }] };
    }
    if (turn === 2) return { toolCalls: [{ name: "listBackgroundProcesses", args: {} }] };
    if (turn === 3) return { toolCalls: [{ name: "getBackgroundProcess", args: { processId: jobId } }] };
    return { text: "ok" };
  };
  await withOpencode(script, {}, async ({ fake, opencode, jobs }) => {
    goFile = path.join(jobs.stateDir, "go");
    const first = await opencode.run("start a global job", { timeoutMs: 90_000 });
    assert.equal(first.exitCode, 0, first.stderr);
    sessionOne = first.sessionId() ?? "";
    jobId = processIdFrom(String(first.toolUses()[0]?.output));

    // A second OpenCode, after the first exited: the job is listed and readable.
    const second = await opencode.run("what is running?", { timeoutMs: 90_000 });
    assert.equal(second.exitCode, 0, second.stderr);
    const [list, get] = second.toolUses();
    assert.match(String(list?.output), new RegExp(`${jobId} running .*"survivor".* global`));
    assert.match(String(get?.output), /status: running/);
    assert.match(String(get?.output), /global tick 1\nglobal tick 2\nglobal tick 3/);

    // A third, long-lived one delivers the job's notification to the first session.
    const server = await opencode.serve();
    await fs.writeFile(goFile, "");
    const notified = await fake.waitForRequest((req) => lastUserText(req).includes("still here after a restart"), 30_000);
    assert.match(lastUserText(notified), new RegExp(`"survivor" \\(id ${jobId}\\) printed:\\n> still here after a restart`));
    const messages = await server.client.session.messages({ path: { id: sessionOne } });
    assert.ok(JSON.stringify(messages.data).includes("still here after a restart"), "delivered into the session that started the job");
    await server.stop();
  });
});

test("the user's bash permission rules govern background commands", { timeout: 120_000 }, async () => {
  const script = steps({ name: "createBackgroundProcess", args: { command: "echo should-not-run", name: "denied" } });
  await withOpencode(script, { permission: { "*": "allow", bash: "deny" } }, async ({ opencode, jobs }) => {
    const result = await opencode.run("try it", { timeoutMs: 60_000 });
    const [use] = result.toolUses();
    assert.equal(use?.tool, "createBackgroundProcess");
    assert.equal(use?.status, "error");
    const observer = await jobs.open({ observeOnly: true });
    assert.deepEqual(observer.list(), [], "nothing was started");
  });
});
