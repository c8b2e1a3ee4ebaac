// Waiting and exit notices through the real OpenCode: a server started and waited for in one
// call, then queried; a job that ends by itself tells its session once, a killed one never.
import { test } from "node:test";
import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import path from "node:path";
import { freePort } from "../../scripts/e2e/opencode-sandbox.js";
import type { ChatRequest, ModelStep, ScriptContext } from "../../scripts/e2e/fake-model.js";
import { messageText } from "../../scripts/e2e/fake-model.js";
import type { OpencodeClient } from "@opencode-ai/sdk";
import { eventually } from "../helpers/tmux-sandbox.js";
import { PLUGIN_PATH, processIdFrom, withOpencode } from "./plugin-helpers.js";
import { NOTIFY_NOTE } from "../../src/plugin/notify-prompt.js";

const lastUserText = (req: ChatRequest) => {
  const last = req.messages.at(-1);
  return last?.role === "user" ? messageText(last) : "";
};

/** The text of every user message in the session, as OpenCode stored it. */
async function userTexts(client: OpencodeClient, sessionId: string): Promise<string[]> {
  const messages = await client.session.messages({ path: { id: sessionId } });
  return (messages.data ?? [])
    .filter((message) => message.info.role === "user")
    .map((message) => message.parts.map((part) => (part.type === "text" ? part.text : "")).join(""));
}

test("createBackgroundProcess with until: port answers once the server accepts connections; bash reaches it at once", { timeout: 120_000 }, async () => {
  const port = await freePort();
  // The server takes a second before it listens: without the wait, the query below would fail.
  const server = `node -e 'setTimeout(() => require("http").createServer((q, s) => { console.log(q.method + " " + q.url); s.end("hello after waiting\\n"); }).listen(${port}, "127.0.0.1"), 1000)'`;
  let serverId = "";
  const script = (_req: unknown, { turn, fake }: ScriptContext): ModelStep => {
    switch (turn) {
      case 0: return { toolCalls: [{ name: "createBackgroundProcess", args: { command: server, name: "slow-server", until: "port", port, timeoutMs: 30_000 } }] };
      case 1: return { toolCalls: [{ name: "bash", args: { command: `curl -sS http://127.0.0.1:${port}/api/ready`, description: "Query the server once" } }] };
      case 2:
        serverId = processIdFrom(fake.toolResults()[0]?.content);
        return { toolCalls: [{ name: "waitForProcess", args: { processId: serverId, until: "pattern", pattern: "^GET /api/ready$", timeoutMs: 30_000 } }] };
      case 3: return { toolCalls: [{ name: "waitForProcess", args: { processId: serverId, until: "exit", timeoutMs: 300 } }] };
      case 4: return { toolCalls: [{ name: "waitForProcess", args: { processId: serverId, pattern: "(?=x)" } }] };
      case 5: return { toolCalls: [{ name: "createBackgroundProcess", args: { command: "echo must-not-start", until: "pattern", pattern: "(?<=x)" } }] };
      // The old nested shape, stringified as models do: a short answer naming until, not a nested union error.
      case 6: return { toolCalls: [{ name: "waitForProcess", args: { processId: serverId, until: JSON.stringify({ pattern: "ready" }) } }] };
      default: return { text: "The server is ready and answered." };
    }
  };
  await withOpencode(script, {}, async ({ opencode, jobs }) => {
    const result = await opencode.run("Start the server, wait until it is ready, then query it.", { timeoutMs: 90_000 });
    assert.equal(result.exitCode, 0, result.stderr);
    const [create, bash, waitLine, waitExit, badPattern, badCreate, stringified] = result.toolUses();
    if (process.env.OBG_SHOW) console.log(result.toolUses().map((use) => `>>> ${use.tool} ${JSON.stringify(use.input)}\n${use.output ?? use.error}`).join("\n"));
    assert.equal(create?.status, "completed", create?.error);
    assert.match(String(create?.output), /^id: [0-9a-z]{8}\nname: slow-server\nstatus: running/);
    assert.match(String(create?.output), new RegExp(`\\nwaited for: port ${port} \\(up to 30\\.0s\\)\\nresult: port ${port} accepts connections on 127\\.0\\.0\\.1 \\(after \\d+\\.\\ds\\)`));
    assert.equal(bash?.tool, "bash");
    assert.match(String(bash?.output), /hello after waiting/, "one query, no retries, and the server answered");

    assert.equal(waitLine?.tool, "waitForProcess");
    assert.match(String(waitLine?.output), new RegExp(`^id: ${serverId}\\nname: slow-server\\nwaited for: pattern /\\^GET /api/ready\\$/ \\(up to 30\\.0s\\)\\nresult: matched after \\d+\\.\\ds, line 1: GET /api/ready\\nstatus: running`));
    assert.match(String(waitExit?.output), /result: timed out after \d+\.\ds: exit not seen yet; the process is running\. Call waitForProcess again/);
    assert.equal(waitExit?.status, "completed", "a timeout is an answer, not an error");
    assert.equal(badPattern?.status, "error");
    assert.match(String(badPattern?.error), /^pattern is not a valid RE2 regular expression/);
    assert.equal(badCreate?.status, "error");
    assert.match(String(badCreate?.error), /^pattern is not a valid RE2 regular expression/);
    const observer = await jobs.open({ observeOnly: true });
    assert.deepEqual(observer.list().map((job) => job.name), ["slow-server"], "a bad wait starts nothing");
    assert.equal(stringified?.status, "error");
    assert.match(String(stringified?.error), /^until must be "exit", "pattern" \(with pattern\) or "port" \(with port\); got /);
    if (process.env.OBG_SHOW) console.log(`stringified until: ${String(stringified?.error).length} chars of error`);
    assert.ok(String(stringified?.error).length < 600, `a short error, not a nested union one: ${String(stringified?.error)}`);
  });
});

test("notifyOnExit: a job ending by itself sends its session exactly one prompt; a killed job and one that opted out send none", { timeout: 150_000 }, async () => {
  let goFile = "";
  const ids: string[] = [];
  const script = (_req: unknown, { turn, fake }: ScriptContext): ModelStep => {
    const create = (args: Record<string, unknown>): ModelStep => ({ toolCalls: [{ name: "createBackgroundProcess", args }] });
    switch (turn) {
      // No notifyOnExit argument: the plugin option's default (true here) applies.
      case 0: return create({ command: `while [ ! -e '${goFile}' ]; do sleep 0.1; done; for i in $(seq 1 12); do echo "step $i"; done; echo 'tests failed' >&2; exit 3`, name: "finisher" });
      case 1: return create({ command: "sleep 300", name: "to-be-killed", notifyOnExit: true });
      case 2: return create({ command: "echo quiet; exit 0", name: "opted-out", notifyOnExit: false, until: "exit" });
      case 3:
        ids.push(...fake.toolResults().slice(0, 3).map((result) => processIdFrom(result.content)));
        return { toolCalls: [{ name: "killProcesses", args: { processId: ids[1] } }] };
      default: return { text: "noted" };
    }
  };
  // No cost guard interval here, so a duplicate would not be held back past the check below.
  await withOpencode(script, { plugins: [[PLUGIN_PATH, { notifyOnExit: true, notifyMinIntervalMs: 0 }]] }, async ({ fake, opencode, jobs }) => {
    goFile = path.join(jobs.stateDir, "go");
    const server = await opencode.serve();
    const session = await server.client.session.create({ body: {} });
    const sessionId = session.data?.id;
    assert.ok(sessionId);
    await server.client.session.promptAsync({ path: { id: sessionId }, body: { parts: [{ type: "text", text: "start three jobs, kill one" }] } });
    await fake.waitForRequest((req) => req.messages.filter((m) => m.role === "tool").length >= 4, 60_000);
    const [finisherId, killedId, optedOutId] = ids;
    assert.ok(finisherId && killedId && optedOutId);
    assert.match(fake.toolResults()[0]?.content ?? "", /\nnotify on exit: yes\n/);
    assert.doesNotMatch(fake.toolResults()[2]?.content ?? "", /notify on exit/);
    assert.match(fake.toolResults()[2]?.content ?? "", /result: the process ended after/);

    // The setting is stored with the job, where the next OpenCode finds it.
    const observer = await jobs.open({ observeOnly: true });
    await eventually(() => observer.get(killedId).status === "cancelled", 10_000, "the kill");
    assert.equal(observer.get(finisherId).notifyOnExit, true);
    assert.equal(observer.get(killedId).notifyOnExit, true);
    assert.equal(observer.get(killedId).endedByRequest, true);
    assert.equal(observer.get(optedOutId).notifyOnExit, false);
    assert.equal(observer.get(optedOutId).status, "completed");

    await fs.writeFile(goFile, "");
    const notified = await fake.waitForRequest((req) => lastUserText(req).includes("ended by itself"), 30_000);
    const text = lastUserText(notified);
    assert.match(text, new RegExp(`^\\[opencode-bg\\] Automated message from opencode-bg, not from the user: background process "finisher" \\(id ${finisherId}\\) ended by itself:\\n> failed: exited with code 3, after \\d+s\\n> next: getBackgroundProcess \\{"processId":"${finisherId}","since":1,"grep":"\\(\\?i\\)error\\|fail"\\} searches its whole log for errors\\n> last output \\(lines 4-13\\):\\n> step 4\\n`));
    // The quoted output, then the synthetic note (sent to the model as a second text part).
    assert.ok(text.endsWith(`> step 12\n> tests failed${NOTIFY_NOTE}`), text);

    // A duplicate would follow within moments (no interval configured); give it time.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const notices = (await userTexts(server.client, sessionId)).filter((body) => body.startsWith("[opencode-bg]"));
    assert.equal(notices.length, 1, `exactly one prompt: ${JSON.stringify(notices)}`);
    // The killed job's notice, had there been one, was queued before the finisher's and would have arrived first.
    assert.ok(!notices.some((body) => body.includes(killedId) || body.includes(optedOutId)));
    await server.stop();
  });
});

test("notifyOnExit: a global job that ends while no OpenCode runs, its end recorded first by a reader that sends nothing, tells its session once when the next OpenCode starts", { timeout: 150_000 }, async () => {
  let goFile = "";
  const script = (_req: unknown, { turn }: ScriptContext): ModelStep =>
    turn === 0
      ? { toolCalls: [{ name: "createBackgroundProcess", args: { command: `while [ ! -e '${goFile}' ]; do sleep 0.1; done; echo 'nightly build broke' >&2; exit 2`, name: "nightly", global: true, notifyOnExit: true } }] }
      : { text: "noted" };
  await withOpencode(script, { plugins: [[PLUGIN_PATH, { notifyMinIntervalMs: 0 }]] }, async ({ fake, opencode, jobs }) => {
    goFile = path.join(jobs.stateDir, "go");
    const first = await opencode.serve();
    const session = await first.client.session.create({ body: {} });
    const sessionId = session.data?.id;
    assert.ok(sessionId);
    await first.client.session.promptAsync({ path: { id: sessionId }, body: { parts: [{ type: "text", text: "start the nightly build" }] } });
    await fake.waitForRequest((req) => req.messages.some((m) => m.role === "tool"), 60_000);
    const jobId = processIdFrom(fake.toolResults()[0]?.content);
    await first.stop();

    // The global job outlives that OpenCode and ends while none runs; a reader that never sends
    // prompts (a manager like the CLI's or the sidebar's) sees the end first and records it.
    await fs.writeFile(goFile, "");
    const reader = await jobs.open({ observeOnly: true });
    await eventually(() => reader.get(jobId).status === "failed", 20_000, "the end, recorded by the reader");
    await reader.close();

    const second = await opencode.serve();
    const notified = await fake.waitForRequest((req) => lastUserText(req).includes(`(id ${jobId}) ended by itself`), 30_000);
    assert.match(lastUserText(notified), /\n> failed: exited with code 2, after \d+s\n/);
    assert.match(lastUserText(notified), /\n> nightly build broke/);
    // A duplicate would follow within moments (no interval configured); give it time.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const notices = (await userTexts(second.client, sessionId)).filter((body) => body.includes(`(id ${jobId}) ended by itself`));
    assert.equal(notices.length, 1, `exactly one notice: ${JSON.stringify(notices)}`);
    await second.stop();
  });
});

test("notifyOnExit: an OpenCode killed while its exit notice waits out the cost guard leaves it to the next OpenCode, which sends it once", { timeout: 150_000 }, async () => {
  let goFile = "";
  const script = (_req: unknown, { turn }: ScriptContext): ModelStep =>
    turn === 0
      ? { toolCalls: [{ name: "createBackgroundProcess", args: { command: `echo 'OPENCODE_NOTIFY: build started'; while [ ! -e '${goFile}' ]; do sleep 0.1; done; echo 'link step failed' >&2; exit 4`, name: "build", global: true, notifyOnExit: true } }] }
      : { text: "noted" };
  // The marker goes at once (a quiet session's first prompt); the exit notice then waits a minute.
  await withOpencode(script, { plugins: [[PLUGIN_PATH, { notifyMinIntervalMs: 60_000 }]] }, async ({ fake, opencode, jobs }) => {
    goFile = path.join(jobs.stateDir, "go");
    const first = await opencode.serve();
    const session = await first.client.session.create({ body: {} });
    const sessionId = session.data?.id;
    assert.ok(sessionId);
    await first.client.session.promptAsync({ path: { id: sessionId }, body: { parts: [{ type: "text", text: "start the build" }] } });
    await fake.waitForRequest((req) => lastUserText(req).includes("> build started"), 60_000);
    const jobId = processIdFrom(fake.toolResults()[0]?.content);

    await fs.writeFile(goFile, "");
    const reader = await jobs.open({ observeOnly: true });
    await eventually(() => reader.get(jobId).status === "failed", 20_000, "the end");
    await reader.close();
    // Time for the first OpenCode to see the end and queue the notice behind its cost guard.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    assert.ok(!fake.requests.some((req) => lastUserText(req).includes("ended by itself")), "held by the cost guard");
    await first.crash();

    const second = await opencode.serve();
    const notified = await fake.waitForRequest((req) => lastUserText(req).includes(`(id ${jobId}) ended by itself`), 30_000);
    assert.match(lastUserText(notified), /\n> failed: exited with code 4, after \d+s\n/);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const notices = (await userTexts(second.client, sessionId)).filter((body) => body.includes(`(id ${jobId}) ended by itself`));
    assert.equal(notices.length, 1, `exactly one notice: ${JSON.stringify(notices)}`);
    await second.stop();
  });
});
