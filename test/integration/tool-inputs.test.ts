// Issue 10 through the plugin's real tool entry points on a private tmux server: every limit the
// core checks is reachable (the tool schemas hold types only, so OpenCode's zod check lets the call
// through and the core's message answers), a bad call starts nothing and asks nobody, a poll with
// since gets a one-line header, and unknown plugin options are said, not silently ignored.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { tool, type Hooks, type PluginInput, type ToolContext, type ToolDefinition } from "@opencode-ai/plugin";
import plugin from "../../src/plugin/server.js";
import { createTmuxSandbox, eventually, type TmuxSandbox } from "../helpers/tmux-sandbox.js";

let sandbox: TmuxSandbox;
let dir: string;
let hooks: Hooks;
let tools: Record<string, ToolDefinition>;
const asked: string[] = [];
const logged: { level: string; message: string }[] = [];
const toasts: string[] = [];

const client = {
  session: { promptAsync: async () => ({}), messages: async () => ({ data: [] }) },
  app: { log: async (request: { body: { level: string; message: string } }) => logged.push(request.body) },
  tui: { showToast: async (request: { body: { message: string } }) => toasts.push(request.body.message) },
} as unknown as PluginInput["client"];

async function call(name: string, args: Record<string, unknown>): Promise<string> {
  const ctx = {
    sessionID: "ses_inputs", messageID: "msg", agent: "build", directory: dir, worktree: dir,
    abort: new AbortController().signal, metadata: () => {},
    ask: async (request: { permission: string }) => void asked.push(request.permission),
  } as unknown as ToolContext;
  const result = await tools[name]!.execute(args as never, ctx);
  return typeof result === "string" ? result : result.output;
}

/** The error's own message (not "InvalidInputError: ...") matches. */
const messageIs = (pattern: RegExp) => (error: unknown) => {
  assert.match(error instanceof Error ? error.message : String(error), pattern);
  return true;
};

/** What OpenCode 1.18.33 does before execute: safeParse against z.object(args). */
function schemaAccepts(name: string, args: Record<string, unknown>): boolean {
  return tool.schema.object(tools[name]!.args).safeParse(args).success;
}

before(async () => {
  sandbox = await createTmuxSandbox("obg-inputs");
  dir = await mkdtemp(path.join(os.tmpdir(), "obg-inputs-project-"));
  const input = { client, directory: dir, worktree: dir, project: {}, serverUrl: new URL("http://localhost:4096/"), $: undefined, experimental_workspace: { register() {} } } as unknown as PluginInput;
  hooks = await plugin.server(input, { tmuxSocket: sandbox.socket, stateDir: sandbox.stateDir, gcAfterDays: 0, killGraceMS: 100, tmuxsocket: "typo" });
  tools = hooks.tool as Record<string, ToolDefinition>;
});

after(async () => {
  await hooks?.dispose?.();
  await sandbox?.open().catch(() => undefined);
  await sandbox?.cleanup();
  await rm(dir, { recursive: true, force: true });
});

test("unknown plugin options are said in OpenCode's log and a toast, with the option meant", async () => {
  await eventually(() => logged.length >= 2, 5_000, "the warnings");
  assert.deepEqual(logged.map((entry) => entry.level), ["warn", "warn"]);
  assert.match(logged[0]?.message ?? "", /unknown plugin option "killGraceMS" is ignored; did you mean "killGraceMs"\?/);
  assert.match(logged[1]?.message ?? "", /unknown plugin option "tmuxsocket" is ignored; did you mean "tmuxSocket"\?/);
  assert.deepEqual(toasts, logged.map((entry) => entry.message));
});

test("each limit the core checks answers with its own message: the schema lets the call through, nothing starts, nobody is asked", async () => {
  const job = /^id: (\S+)/m.exec(await call("createBackgroundProcess", { command: "sleep 300", name: "target" }))?.[1] ?? "";
  assert.ok(job);
  const ended = /^id: (\S+)/m.exec(await call("createBackgroundProcess", { command: "true", name: "ended", until: "exit" }))?.[1] ?? "";
  const askedBefore = asked.length;
  const line = "x".repeat(4001);
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ["createBackgroundProcess", { command: "" }, /^command is empty/],
    ["createBackgroundProcess", { command: "x".repeat(70_000) }, /^command is 70000 bytes; the limit is 65536/],
    ["createBackgroundProcess", { command: "true", name: "n".repeat(101) }, /^name is 101 characters; the limit is 100/],
    ["createBackgroundProcess", { command: "true", tags: Array.from({ length: 21 }, (_, i) => `t${i}`) }, /^21 tags given; the limit is 20/],
    ["createBackgroundProcess", { command: "true", tags: ["a b"] }, /^tag "a b" is not valid/],
    ["createBackgroundProcess", { command: "true", env: { "1X": "y" } }, /^environment variable name "1X" is not valid/],
    ["createBackgroundProcess", { command: "true", env: Object.fromEntries(Array.from({ length: 201 }, (_, i) => [`V${i}`, "1"])) }, /^201 environment variables given; the limit is 200/],
    ["createBackgroundProcess", { command: "true", restart: "on-failure", maxRestarts: 500 }, /^maxRestarts must be a whole number from 0 to 100/],
    ["createBackgroundProcess", { command: "true", restart: "always" }, /^restart must be "on-failure" or "never"; got "always"/],
    ["createBackgroundProcess", { command: "true", maxRestarts: 2 }, /^maxRestarts only applies with restart: "on-failure"/],
    ["createBackgroundProcess", { command: "true", until: "pattern" }, /^until "pattern" needs pattern/],
    ["createBackgroundProcess", { command: "true", pattern: "p".repeat(501) }, /^pattern is 501 characters; the limit is 500/],
    ["createBackgroundProcess", { command: "true", pattern: "(?<=x)" }, /^pattern is not a valid RE2 regular expression/],
    ["createBackgroundProcess", { command: "true", port: 70_000 }, /^port must be a whole number from 1 to 65535/],
    ["createBackgroundProcess", { command: "true", pattern: "x", port: 80 }, /^give pattern or port, not both/],
    ["createBackgroundProcess", { command: "true", until: "exit", timeoutMs: 700_000 }, /^timeoutMs must be a whole number of milliseconds from 0 to 600000/],
    ["waitForProcess", { processId: job, until: "exit", pattern: "x" }, /^until "exit" takes no pattern/],
    ["waitForProcess", { processId: job, until: "port" }, /^until "port" needs port/],
    ["waitForProcess", { processId: job, until: "soon" }, /^until must be "exit", "pattern" \(with pattern\) or "port" \(with port\)/],
    ["waitForProcess", { processId: job, port: 1.5 }, /^port must be a whole number from 1 to 65535; got 1\.5/],
    ["getBackgroundProcess", { processId: "" }, /^Give processId/],
    ["getBackgroundProcess", { processId: job, lines: 0 }, /^lines must be a whole number from 1 to 2000/],
    ["getBackgroundProcess", { processId: job, lines: 2001 }, /^lines must be a whole number from 1 to 2000/],
    ["getBackgroundProcess", { processId: job, since: -1 }, /^since must be a line number/],
    ["getBackgroundProcess", { processId: job, grep: "g".repeat(501) }, /^grep is 501 characters; the limit is 500/],
    ["getBackgroundProcess", { processId: job, grep: "(a" }, /^grep "\(a" is not a valid RE2 regular expression/],
    ["sendProcessInput", { processId: job, keys: Array.from({ length: 51 }, () => "a") }, /^51 keys given; the limit is 50/],
    ["sendProcessInput", { processId: job, keys: ["NotAKey"] }, /^key "NotAKey" is not a key name/],
    ["sendProcessInput", { processId: job }, /^nothing to send/],
    ["sendProcessInput", { processId: ended, keys: ["C-c"] }, /only a running job takes input \(restartProcess runs it again\)/],
  ];
  for (const [name, args, message] of cases) {
    assert.ok(schemaAccepts(name, args), `${name} ${JSON.stringify(args).slice(0, 80)} passes the schema`);
    await assert.rejects(call(name, args), messageIs(message), `${name} ${JSON.stringify(args).slice(0, 80)}`);
  }
  assert.equal(asked.length, askedBefore, "no permission was asked for a refused call");
  // Typed text is asked about before the core checks it (the bash permission covers what is typed).
  await assert.rejects(call("sendProcessInput", { processId: job, text: line }), messageIs(/^text line 1 is 4001 bytes; the limit is 4000/));
  await assert.rejects(call("sendProcessInput", { processId: job, text: Array.from({ length: 20 }, () => "y".repeat(3500)).join("\n") }), messageIs(/^text is 70019 bytes; the limit is 65536/));
  const listed = await call("listBackgroundProcesses", {});
  assert.match(listed, /^2 process\(es\)/, "no refused create started anything");
});

test("a read with since gets a one-line header and the new lines; without since, the details", async () => {
  const created = await call("createBackgroundProcess", { command: "printf 'one\\ntwo\\n'; sleep 300", name: "poller", until: "pattern", pattern: "^two$" });
  const id = /^id: (\S+)/m.exec(created)?.[1] ?? "";
  const full = await call("getBackgroundProcess", { processId: id });
  assert.match(full, /^command: /m);
  assert.match(full, /^log file: /m);
  const poll = await call("getBackgroundProcess", { processId: id, since: 2 });
  assert.equal(poll, `${id} "poller" running\noutput (lines 2-2, next read since=3):\ntwo`);
});
