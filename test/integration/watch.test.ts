// Watch patterns and readiness events through the real plugin runtime and job manager on a real
// tmux server, with a fake OpenCode client that records each prompt (issue 12).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import path from "node:path";
import type { PluginInput } from "@opencode-ai/plugin";
import { PluginRuntime } from "../../src/plugin/runtime.js";
import { parsePluginOptions } from "../../src/plugin/options.js";
import { InvalidInputError } from "../../src/core/errors.js";
import { freePort } from "../../scripts/e2e/opencode-sandbox.js";
import { createTmuxSandbox, eventually, type TmuxSandbox } from "../helpers/tmux-sandbox.js";

let sandbox: TmuxSandbox;

before(async () => {
  sandbox = await createTmuxSandbox("obg-watch");
});
after(async () => {
  await sandbox.cleanup();
});

interface Prompt {
  sessionId: string;
  text: string;
}

/** A runtime whose OpenCode client records prompts instead of calling a model. */
function runtimeWith(options: Record<string, unknown> = {}): { runtime: PluginRuntime; prompts: Prompt[] } {
  const prompts: Prompt[] = [];
  const client = {
    session: {
      messages: async () => ({ data: [] }),
      promptAsync: async (request: { path: { id: string }; body: { parts: { text: string; synthetic?: boolean }[] } }) => {
        prompts.push({ sessionId: request.path.id, text: request.body.parts.filter((part) => !part.synthetic).map((part) => part.text).join("\n") });
        return { data: undefined };
      },
    },
  } as unknown as PluginInput["client"];
  const runtime = new PluginRuntime({ client } as PluginInput, parsePluginOptions({ tmuxSocket: sandbox.socket, stateDir: sandbox.stateDir, gcAfterDays: 0, ...options }));
  return { runtime, prompts };
}

const node = (script: string) => `${JSON.stringify(process.execPath)} -e ${JSON.stringify(script)}`;
/** Messages a prompt stands for: "N notifications ..." or a single one. */
const countOf = (text: string) => Number(/(\d+) notifications/.exec(text)?.[1] ?? 1);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test("one compiler error among 10,000 ordinary lines wakes the session exactly once, quoting that line with context, the job's name and id", { timeout: 60_000 }, async () => {
  const { runtime, prompts } = runtimeWith();
  try {
    const manager = await runtime.manager();
    const error = "src/app.ts(12,7): error TS2322: Type 'string' is not assignable to type 'number'.";
    const script = `let s='';for(let i=1;i<=10000;i++){s+='compiled module '+i+' ok\\n';if(i===5000)s+=${JSON.stringify(error)}+'\\n'}process.stdout.write(s)`;
    const job = await manager.create({ command: `${node(script)}; echo all-done; sleep 300`, name: "tsc-watch", sessionId: "ses_one", watch: ["errors"] });
    await eventually(async () => (await manager.output(job.id, { lines: 1 })).lines.some((line) => line.text === "all-done"), 30_000, "all output read");
    await eventually(() => prompts.length >= 1, 10_000, "a prompt");
    await sleep(500);
    assert.equal(prompts.length, 1, prompts.map((prompt) => prompt.text).join("\n---\n"));
    const [prompt] = prompts;
    assert.equal(prompt?.sessionId, "ses_one");
    assert.match(prompt!.text, /Automated message from opencode-bg/);
    assert.ok(prompt!.text.includes(`"tsc-watch" (id ${job.id})`));
    assert.ok(prompt!.text.includes('matching watch "errors"'));
    assert.ok(prompt!.text.includes(`> ${error}`));
    assert.ok(prompt!.text.includes("> compiled module 5000 ok"), "a line of context before it");
    const view = manager.watches.view(job.id);
    assert.equal(view?.matches, 1);
    assert.equal(view?.lastMatch?.line, error);
  } finally {
    await runtime.dispose();
  }
});

test("a flood of 10,000 matching lines gives a bounded number of prompts whose counts add up to every line", { timeout: 90_000 }, async () => {
  // One prompt a second at most: the flood (under a second of printing) coalesces into a few.
  const { runtime, prompts } = runtimeWith({ notifyMinIntervalMs: 1000, notifyMaxPerMinute: 60 });
  try {
    const manager = await runtime.manager();
    const script = `let s='';for(let i=1;i<=10000;i++)s+='Error: boom '+i+'\\n';process.stdout.write(s)`;
    const started = Date.now();
    await manager.create({ command: `${node(script)}; sleep 300`, name: "flood", sessionId: "ses_flood", watch: ["errors"] });
    await eventually(() => prompts.reduce((sum, prompt) => sum + countOf(prompt.text), 0) >= 10_000, 60_000, "every line accounted for");
    await sleep(1500);
    const total = prompts.reduce((sum, prompt) => sum + countOf(prompt.text), 0);
    const span = (Date.now() - started) / 1000;
    console.log(`watch flood: 10000 matching lines -> ${prompts.length} prompts, counts adding up to ${total}, ${span.toFixed(1)} s`);
    assert.equal(total, 10_000);
    assert.ok(prompts.length <= Math.ceil(span) + 1, `${prompts.length} prompts in ${span.toFixed(1)} s`);
    assert.ok(prompts.at(-1)?.text.includes("> Error: boom 10000"), "the last prompt quotes the last line");
  } finally {
    await runtime.dispose();
  }
});

test("notifyWhenReady by port: the session is told once, naming the port and its URL", { timeout: 60_000 }, async () => {
  const { runtime, prompts } = runtimeWith();
  try {
    const manager = await runtime.manager();
    const port = await freePort();
    const server = `setTimeout(()=>require('net').createServer(()=>{}).listen(${port},'127.0.0.1',()=>console.log('up')),800)`;
    const job = await manager.create({ command: `${node(server)}`, name: "api", sessionId: "ses_port", ready: { port } });
    await eventually(() => prompts.length >= 1, 20_000, "the ready prompt");
    await sleep(1500);
    assert.equal(prompts.length, 1);
    assert.ok(prompts[0]!.text.includes(`port ${port}`));
    assert.ok(prompts[0]!.text.includes(`http://localhost:${port}`));
    assert.ok(prompts[0]!.text.includes(`(id ${job.id})`));
    assert.notEqual(manager.watches.view(job.id)?.ready?.firedAt, undefined, "recorded as ready");
  } finally {
    await runtime.dispose();
  }
});

test("notifyWhenReady by pattern: only the first matching line is an event, and it is quoted", { timeout: 60_000 }, async () => {
  const { runtime, prompts } = runtimeWith({ notifyMinIntervalMs: 0 });
  try {
    const manager = await runtime.manager();
    const job = await manager.create({ command: "echo booting; sleep 0.3; echo 'listening on :8080'; sleep 0.3; echo 'listening on :8081'; sleep 300", name: "web", sessionId: "ses_ready", ready: { pattern: "listening on" } });
    await eventually(async () => (await manager.output(job.id, { lines: 5 })).lines.some((line) => line.text.includes(":8081")), 20_000, "both lines");
    await sleep(500);
    assert.equal(prompts.length, 1, prompts.map((prompt) => prompt.text).join("\n---\n"));
    assert.match(prompts[0]!.text, /is ready \(its output matched \/listening on\/\):\n> listening on :8080/);
    assert.equal(manager.watches.view(job.id)?.ready?.line, "listening on :8080");
  } finally {
    await runtime.dispose();
  }
});

test("watches change on a running job, persist in its folder, and another manager sees them", { timeout: 60_000 }, async () => {
  const { runtime, prompts } = runtimeWith({ notifyMinIntervalMs: 0 });
  try {
    const manager = await runtime.manager();
    const go = path.join(sandbox.stateDir, `go-${Date.now()}`);
    const job = await manager.create({ command: `echo 'panic-ish: DEPLOY FAILED'; while [ ! -e '${go}' ]; do sleep 0.05; done; echo 'DEPLOY FAILED again'; echo 'panic: now'; sleep 300`, name: "deploy", sessionId: "ses_change" });
    await eventually(async () => (await manager.output(job.id, { lines: 5 })).lines.length >= 1, 10_000, "first line");
    assert.equal(prompts.length, 0, "nothing watched yet");
    assert.deepEqual(await manager.changeWatches(job.id, { add: ["DEPLOY FAILED", "errors"] }), ["DEPLOY FAILED", "errors"]);
    assert.deepEqual(await manager.changeWatches(job.id, { remove: ["errors"] }), ["DEPLOY FAILED"]);
    await assert.rejects(manager.changeWatches(job.id, { add: ["(a"] }), InvalidInputError);
    await assert.rejects(manager.changeWatches(job.id, { add: Array.from({ length: 11 }, (_, i) => `p${i}`) }), InvalidInputError);
    assert.ok(existsSync(path.join(sandbox.stateDir, "jobs", job.id, "watch.json")));
    const { writeFileSync } = await import("node:fs");
    writeFileSync(go, "");
    await eventually(() => prompts.length >= 1, 10_000, "the watched line");
    await sleep(500);
    assert.equal(prompts.length, 1, "only the watched line (the earlier one and panic: are not watched)");
    assert.ok(prompts[0]!.text.includes("> DEPLOY FAILED again"));
    const other = await sandbox.open();
    await other.loadOutputs([job.id]);
    assert.deepEqual(other.watches.view(job.id)?.watches, ["DEPLOY FAILED"]);
  } finally {
    await runtime.dispose();
  }
});

test("create refuses bad watches with one message before anything starts", async () => {
  const { runtime } = runtimeWith();
  try {
    const manager = await runtime.manager();
    const before = manager.list().length;
    await assert.rejects(manager.create({ command: "true", watch: ["x".repeat(301)] }), /at most 10 watches, each a preset \(errors\) or an RE2 pattern of at most 300 characters/);
    await assert.rejects(manager.create({ command: "true", watch: ["(?=x)"] }), /not a valid RE2/);
    assert.equal(manager.list().length, before);
  } finally {
    await runtime.dispose();
  }
});
