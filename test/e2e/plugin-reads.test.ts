// Reads that keep their place, typed input, cwd/env on create, and the compaction reminder,
// through the real OpenCode with a scripted model.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import path from "node:path";
import type { ChatRequest, ModelStep } from "../../scripts/e2e/fake-model.js";
import { messageText } from "../../scripts/e2e/fake-model.js";
import { eventually } from "../helpers/tmux-sandbox.js";
import { processIdFrom, withOpencode } from "./plugin-helpers.js";

const nextCursor = (output: string | undefined): number => {
  const match = /next read since=(\d+)/.exec(output ?? "");
  if (!match?.[1]) throw new Error(`no cursor in: ${output}`);
  return Number(match[1]);
};
const outputLines = (result: string) => result.slice(result.indexOf("\noutput")).split("\n").slice(2);

test("the model reads with since twice (only new lines the second time), types into a job, and starts one with cwd and env", { timeout: 120_000 }, async () => {
  let id = "";
  let firstCursor = 0;
  let secondCursor = 0;
  const script = (_req: ChatRequest, { turn, fake }: { turn: number; fake: { toolResults(): { content: string }[] } }): ModelStep => {
    const call = (name: string, args: Record<string, unknown>): ModelStep => ({ toolCalls: [{ name, args }] });
    const results = fake.toolResults();
    switch (turn) {
      case 0:
        return call("createBackgroundProcess", {
          command: `echo "cwd=$PWD greeting=$GREETING"; for i in 1 2 3; do echo "line $i"; done; while read -r l; do echo "got: $l"; done`,
          name: "repl",
          cwd: "sub/dir",
          env: { GREETING: "hello from env" },
        });
      case 1:
        id = processIdFrom(results[0]?.content);
        return call("getBackgroundProcess", { processId: id, since: 1 });
      case 2:
        firstCursor = nextCursor(results[1]?.content);
        return call("sendProcessInput", { processId: id, text: "ping" });
      case 3:
        return call("getBackgroundProcess", { processId: id, since: firstCursor });
      case 4:
        secondCursor = nextCursor(results[3]?.content);
        return call("getBackgroundProcess", { processId: id, since: secondCursor });
      case 5:
        return call("sendProcessInput", { processId: id, keys: ["C-c"] });
      case 6:
        return call("sendProcessInput", { processId: id, keys: ["rm -rf"] });
      default:
        return { text: "done" };
    }
  };
  await withOpencode(script, {}, async ({ opencode }) => {
    mkdirSync(path.join(opencode.projectDir, "sub", "dir"), { recursive: true });
    const result = await opencode.run("Start a REPL in sub/dir and talk to it.", { timeoutMs: 90_000 });
    assert.equal(result.exitCode, 0, result.stderr);
    const uses = result.toolUses();
    if (process.env.OBG_SHOW) console.log(uses.map((use) => `>>> ${use.tool} ${JSON.stringify(use.input)}\n${use.output ?? use.error}`).join("\n"));
    assert.deepEqual(uses.map((use) => use.tool), [
      "createBackgroundProcess", "getBackgroundProcess", "sendProcessInput", "getBackgroundProcess", "getBackgroundProcess", "sendProcessInput", "sendProcessInput",
    ]);
    const [create, read1, send, read2, read3, interrupt, badKey] = uses;
    const workdir = path.join(opencode.projectDir, "sub", "dir");
    assert.match(String(create?.output), new RegExp(`^cwd: ${escape(workdir)}$`, "m"));

    const first = String(read1?.output);
    assert.match(first, new RegExp(`^cwd=${escape(workdir)} greeting=hello from env$`, "m"), "cwd and env reached the process");
    assert.match(first, /^line 3$/m);

    assert.equal(send?.status, "completed", send?.error);
    assert.match(String(send?.output), new RegExp(`^sent to ${id} "repl": text \\(4 bytes\\), Enter\\nstatus: running`));

    // The second read starts where the first ended: the input's reply, nothing already seen.
    const second = String(read2?.output);
    assert.match(second, new RegExp(`output \\(lines ${firstCursor}-\\d+, next read since=\\d+\\):`));
    const secondLines = outputLines(second);
    assert.ok(secondLines.includes("got: ping"), second);
    for (const seen of outputLines(first)) assert.ok(!secondLines.includes(seen), `"${seen}" was not repeated`);
    assert.ok(secondCursor > firstCursor);
    assert.match(String(read3?.output), new RegExp(`output: nothing new since line ${secondCursor} \\(next read since=${secondCursor}\\)`));

    assert.equal(interrupt?.status, "completed", interrupt?.error);
    assert.match(String(interrupt?.output), /keys C-c/);
    assert.equal(badKey?.status, "error");
    assert.match(String(badKey?.error), /key "rm -rf" is not a key name|is cancelled; only a running job takes input/);
  });
});

test("compacting a session reminds the summary of its running jobs", { timeout: 120_000 }, async () => {
  const script = (req: ChatRequest, { turn }: { turn: number }): ModelStep => {
    if (turn === 0) return { toolCalls: [{ name: "createBackgroundProcess", args: { command: "echo 'server up on 4321'; sleep 300", name: "api-server" } }] };
    return { text: JSON.stringify(req.messages).includes("opencode-bg") ? "summary noted" : "ok" };
  };
  await withOpencode(script, {}, async ({ fake, opencode, jobs }) => {
    const server = await opencode.serve();
    const session = await server.client.session.create({ body: {} });
    const sessionId = session.data?.id;
    assert.ok(sessionId);
    await server.client.session.promptAsync({ path: { id: sessionId }, body: { parts: [{ type: "text", text: "start the api server" }] } });
    const created = await fake.waitForRequest((req) => req.messages.some((m) => m.role === "tool"), 30_000);
    const jobId = processIdFrom(messageText(created.messages.find((m) => m.role === "tool")!));
    const observer = await jobs.open({ observeOnly: true });
    await eventually(() => observer.get(jobId).status === "running", 10_000, "the job running");
    await eventually(async () => (await server.client.session.status({})).data?.[sessionId] === undefined, 30_000, "the session idle");

    await server.client.session.summarize({ path: { id: sessionId }, body: { providerID: "fake", modelID: "fake-model" } });
    const compaction = await fake.waitForRequest((req) => JSON.stringify(req.messages).includes("Background processes (opencode-bg)"), 30_000);
    const text = compaction.messages.map(messageText).join("\n");
    assert.match(text, new RegExp(`- ${jobId} "api-server" running \\S+ \\| last line: server up on 4321`));
    await server.stop();
  });
});

function escape(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|]/g, "\\$&");
}
