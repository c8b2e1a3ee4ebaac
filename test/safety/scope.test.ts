// Scope and project isolation (issue 8, items 2 and 3), through the plugin's real tool entry
// points (as scripts/demo.ts calls them) on a private tmux server: two projects, each with its
// own plugin instance, as two OpenCodes on one machine would be.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { Hooks, PluginInput, ToolContext, ToolDefinition } from "@opencode-ai/plugin";
import plugin from "../../src/plugin/server.js";
import { isProcessAlive } from "../../src/core/end/process-tree.js";
import { createTmuxSandbox, type TmuxSandbox } from "../helpers/tmux-sandbox.js";

interface Asked { permission: string; patterns: string[]; always: string[]; metadata: Record<string, unknown> }

interface Project {
  dir: string;
  hooks: Hooks;
  /** Every ctx.ask of this project's tool calls, in order. */
  asked: Asked[];
  call(name: string, args: Record<string, unknown>, options?: { session?: string; deny?: string[]; worktree?: string }): Promise<{ title?: string; output: string; metadata?: Record<string, unknown> }>;
}

let sandbox: TmuxSandbox;
let root: string;
let projectA: Project;
let projectB: Project;

const client = { session: { promptAsync: async () => ({}), messages: async () => ({ data: [] }) } } as unknown as PluginInput["client"];

async function openProject(dir: string): Promise<Project> {
  const input = { client, directory: dir, worktree: dir, project: {}, serverUrl: new URL("http://localhost:4096/"), $: undefined, experimental_workspace: { register() {} } } as unknown as PluginInput;
  const hooks = await plugin.server(input, { tmuxSocket: sandbox.socket, stateDir: sandbox.stateDir, killGraceMs: 1500, gcAfterDays: 0 });
  const tools = hooks.tool as Record<string, ToolDefinition>;
  const asked: Asked[] = [];
  return {
    dir,
    hooks,
    asked,
    async call(name, args, options = {}) {
      const ctx: ToolContext = {
        sessionID: options.session ?? "ses_a1",
        messageID: "msg_test",
        agent: "build",
        directory: dir,
        worktree: options.worktree ?? dir,
        abort: new AbortController().signal,
        metadata: () => {},
        // A "deny" rule: OpenCode's ctx.ask rejects, and the tool call fails.
        ask: async (request) => {
          asked.push(request as Asked);
          if (options.deny?.includes(request.permission)) throw new Error(`denied by rule: ${request.permission}`);
        },
      };
      const result = await tools[name]!.execute(args as never, ctx);
      return typeof result === "string" ? { output: result } : result;
    },
  };
}

before(async () => {
  sandbox = await createTmuxSandbox("obg-scope");
  root = await mkdtemp(path.join(os.tmpdir(), "obg-scope-projects-"));
  await mkdir(path.join(root, "a", "sub"), { recursive: true });
  await mkdir(path.join(root, "b"), { recursive: true });
  projectA = await openProject(path.join(root, "a"));
  projectB = await openProject(path.join(root, "b"));
});

after(async () => {
  await projectA?.hooks.dispose?.();
  await projectB?.hooks.dispose?.();
  // A manager of the sandbox's own ends whatever is left (global jobs) by its markers.
  await sandbox?.open().catch(() => undefined);
  await sandbox?.cleanup();
  await rm(root, { recursive: true, force: true });
});

async function create(project: Project, session: string, args: Record<string, unknown>): Promise<{ id: string; pid: number }> {
  const result = await project.call("createBackgroundProcess", args, { session });
  const id = String(result.metadata?.processId);
  const details = await project.call("getBackgroundProcess", { processId: id }, { session });
  const pid = Number(/^pid: (\d+)$/m.exec(details.output)?.[1]);
  assert.ok(pid > 0, `job ${id} runs: ${details.output}`);
  return { id, pid };
}

async function statusOf(project: Project, id: string): Promise<string> {
  const details = await project.call("getBackgroundProcess", { processId: id, lines: 1 });
  return /^status: (\w+)/m.exec(details.output)?.[1] ?? "?";
}

test("filters reach too far: killProcesses { status: \"running\" } or { tags } from one session spares another session's jobs, its global \"postgres\" included", { timeout: 60_000 }, async () => {
  const mineWeb = await create(projectA, "ses_a1", { command: "sleep 300", name: "mine-web", tags: ["web", "t1"] });
  const mineOther = await create(projectA, "ses_a1", { command: "sleep 300", name: "mine-other", tags: ["t1"] });
  const theirsWeb = await create(projectA, "ses_a2", { command: "sleep 300", name: "theirs-web", tags: ["web", "t1"] });
  const postgres = await create(projectA, "ses_a2", { command: "sleep 300", name: "postgres", tags: ["t1"], global: true });

  const byTags = await projectA.call("killProcesses", { tags: ["web"] }, { session: "ses_a1" });
  assert.deepEqual(byTags.metadata?.killed, [mineWeb.id]);
  assert.ok(isProcessAlive(theirsWeb.pid), "another session's job with the tag still runs");

  const byStatus = await projectA.call("killProcesses", { status: "running" }, { session: "ses_a1" });
  assert.deepEqual(byStatus.metadata?.killed, [mineOther.id]);
  assert.ok(isProcessAlive(theirsWeb.pid), "another session's job still runs");
  assert.ok(isProcessAlive(postgres.pid), "another session's global postgres still runs");
  assert.equal(await statusOf(projectA, postgres.id), "running");
  assert.equal(await statusOf(projectA, theirsWeb.id), "running");
  assert.equal(await statusOf(projectA, mineOther.id), "cancelled");

  // The session that owns them reaches them; so does an explicit sessionId.
  const theirs = await projectA.call("killProcesses", { sessionId: "ses_a2", tags: ["web"] }, { session: "ses_a1" });
  assert.deepEqual(theirs.metadata?.killed, [theirsWeb.id]);
  const own = await projectA.call("killProcesses", { tags: ["t1"], status: "running" }, { session: "ses_a2" });
  assert.deepEqual(own.metadata?.killed, [postgres.id]);
});

test("sessionId \"all\" reaches every session's jobs of the project, and never another project's", { timeout: 60_000 }, async () => {
  const mine = await create(projectA, "ses_a1", { command: "sleep 300", name: "mine", tags: ["t2"] });
  const theirs = await create(projectA, "ses_a2", { command: "sleep 300", name: "theirs", tags: ["t2"] });
  const postgres = await create(projectA, "ses_a2", { command: "sleep 300", name: "postgres", tags: ["t2"], global: true });
  const elsewhere = await create(projectB, "ses_b1", { command: "sleep 300", name: "elsewhere", tags: ["t2"] });

  const listed = await projectA.call("listBackgroundProcesses", { sessionId: "all", tags: ["t2"] }, { session: "ses_a1" });
  for (const job of [mine, theirs, postgres]) assert.match(listed.output, new RegExp(job.id));
  assert.doesNotMatch(listed.output, new RegExp(elsewhere.id));

  const result = await projectA.call("killProcesses", { sessionId: "all", tags: ["t2"] }, { session: "ses_a1" });
  assert.deepEqual([...(result.metadata?.killed as string[])].sort(), [mine.id, theirs.id, postgres.id].sort());
  for (const job of [mine, theirs, postgres]) assert.ok(!isProcessAlive(job.pid), `${job.id} ended`);
  assert.ok(isProcessAlive(elsewhere.pid), "the other project's job still runs");
  assert.equal(await statusOf(projectB, elsewhere.id), "running");
  await projectB.call("killProcesses", { processId: elsewhere.id }, { session: "ses_b1" });
});

test("the kill result names the scope it used", { timeout: 60_000 }, async () => {
  await create(projectA, "ses_a1", { command: "sleep 300", name: "scoped", tags: ["t3"] });
  const implicit = await projectA.call("killProcesses", { tags: ["t3"] }, { session: "ses_a1" });
  assert.match(implicit.output, /^scope: this chat session's processes/m);
  assert.match(implicit.output, /sessionId "all"/);
  assert.equal(implicit.metadata?.scope, "session");
  assert.match(implicit.title ?? "", /this session/);

  const all = await projectA.call("killProcesses", { sessionId: "all", tags: ["t3"] }, { session: "ses_a1" });
  assert.match(all.output, /^scope: every chat session's processes in this project/m);
  assert.equal(all.metadata?.scope, "all");

  const other = await projectA.call("killProcesses", { sessionId: "ses_zz", tags: ["t3"] }, { session: "ses_a1" });
  assert.match(other.output, /^scope: session ses_zz's processes in this project/m);

  const job = await create(projectA, "ses_a1", { command: "sleep 300", name: "by-id" });
  const byId = await projectA.call("killProcesses", { processId: job.id }, { session: "ses_a2" });
  assert.match(byId.output, new RegExp(`^scope: process ${job.id}`, "m"));
  assert.deepEqual(byId.metadata?.killed, [job.id]);
});

test("a kill with no filter, or with only sessionId \"all\", is refused and kills nothing", { timeout: 60_000 }, async () => {
  const job = await create(projectA, "ses_a1", { command: "sleep 300", name: "survivor" });
  await assert.rejects(projectA.call("killProcesses", {}, { session: "ses_a1" }), /at least one|Refusing/i);
  await assert.rejects(projectA.call("killProcesses", { sessionId: "all" }, { session: "ses_a1" }), /"all"/);
  assert.ok(isProcessAlive(job.pid));
  await projectA.call("killProcesses", { processId: job.id }, { session: "ses_a1" });
});

test("projects are isolated: another project's id is unknown to get, send, restart, wait and kill; nothing is typed, restarted or killed", { timeout: 60_000 }, async () => {
  const foreign = await create(projectB, "ses_b1", { command: "while IFS= read -r line; do echo \"got:$line\"; done", name: "foreign-repl" });
  const asksBefore = projectA.asked.length;
  const unknown = new RegExp(`No background process with id "${foreign.id}"`);
  await assert.rejects(projectA.call("getBackgroundProcess", { processId: foreign.id }), unknown);
  await assert.rejects(projectA.call("sendProcessInput", { processId: foreign.id, text: "typed-from-a" }), unknown);
  await assert.rejects(projectA.call("restartProcess", { processId: foreign.id }), unknown);
  await assert.rejects(projectA.call("waitForProcess", { processId: foreign.id, until: "exit", timeoutMs: 300 }), unknown);
  await assert.rejects(projectA.call("killProcesses", { processId: foreign.id }), unknown);
  await assert.rejects(projectA.call("killProcesses", { processId: foreign.id, status: "running" }), unknown);
  assert.equal(projectA.asked.length, asksBefore, "no permission was even asked for another project's id");

  // Still running, never restarted, nothing typed into it.
  assert.ok(isProcessAlive(foreign.pid), "the other project's job still runs, same process");
  const seen = await projectB.call("getBackgroundProcess", { processId: foreign.id }, { session: "ses_b1" });
  assert.match(seen.output, /^status: running/m);
  assert.doesNotMatch(seen.output, /^restarts:/m);
  assert.doesNotMatch(seen.output, /^got:/m, "nothing was typed into it");
  // Its own project still reaches it.
  const typed = await projectB.call("sendProcessInput", { processId: foreign.id, text: "from-b" }, { session: "ses_b1" });
  assert.match(typed.output, /^got:from-b$/m);
  await projectB.call("killProcesses", { processId: foreign.id }, { session: "ses_b1" });
});

test("cwd outside the project asks external_directory as OpenCode's bash tool does; a refusal starts nothing", { timeout: 60_000 }, async () => {
  const outside = path.resolve(projectA.dir, "../..");
  const before = projectA.asked.length;
  await assert.rejects(
    projectA.call("createBackgroundProcess", { command: "sleep 300", name: "escaped", cwd: "../.." }, { deny: ["external_directory"] }),
    /denied by rule: external_directory/,
  );
  const refused = projectA.asked.slice(before);
  assert.deepEqual(refused.map((ask) => ask.permission), ["external_directory"], "asked before bash, and nothing else after the refusal");
  const pattern = path.join(outside, "*");
  assert.deepEqual(refused[0], {
    permission: "external_directory",
    patterns: [pattern],
    always: [pattern],
    metadata: { command: "sleep 300", directories: [outside], patterns: [pattern] },
  });
  const listed = await projectA.call("listBackgroundProcesses", { sessionId: "all" });
  assert.doesNotMatch(listed.output, /escaped/, "nothing started");

  // Allowed: it runs there.
  const allowed = await projectA.call("createBackgroundProcess", { command: "pwd; sleep 300", name: "outside-ok", cwd: "../.." });
  assert.match(allowed.output, new RegExp(`^cwd: ${outside}$`, "m"));
  assert.deepEqual(projectA.asked.slice(-2).map((ask) => ask.permission), ["external_directory", "bash"]);
  // Restarting runs it there again: asked again, and a refusal leaves the running one alone.
  const outsideId = String(allowed.metadata?.processId);
  await assert.rejects(projectA.call("restartProcess", { processId: outsideId }, { deny: ["external_directory"] }), /denied by rule: external_directory/);
  const stillFirstRun = await projectA.call("getBackgroundProcess", { processId: outsideId });
  assert.match(stillFirstRun.output, /^status: running/m);
  assert.doesNotMatch(stillFirstRun.output, /^restarts:/m);

  // Inside the project (or its worktree), and by default: only bash is asked.
  for (const [args, worktree] of [[{ cwd: "sub" }, undefined], [{}, undefined], [{ cwd: path.join(projectA.dir, "sub") }, undefined], [{ cwd: ".." }, root]] as const) {
    const mark = projectA.asked.length;
    await projectA.call("createBackgroundProcess", { command: "sleep 300", name: "inside", ...args }, worktree ? { worktree } : {});
    assert.deepEqual(projectA.asked.slice(mark).map((ask) => ask.permission), ["bash"], `cwd ${JSON.stringify(args)}`);
  }
  await projectA.call("killProcesses", { sessionId: "all", status: "running" });
});

test("session.deleted still ends only that session's session processes: its global one and other sessions' stay", { timeout: 60_000 }, async () => {
  const gone = await create(projectA, "ses_del", { command: "sleep 300", name: "gone" });
  const kept = await create(projectA, "ses_del", { command: "sleep 300", name: "kept-global", global: true });
  const other = await create(projectA, "ses_a1", { command: "sleep 300", name: "other-session" });
  await projectA.hooks.event?.({ event: { type: "session.deleted", properties: { info: { id: "ses_del" } } } as never });
  assert.ok(!isProcessAlive(gone.pid), "the deleted session's session job ended");
  assert.ok(isProcessAlive(kept.pid), "its global job still runs");
  assert.ok(isProcessAlive(other.pid), "another session's job still runs");
  await projectA.call("killProcesses", { sessionId: "all", status: "running" });
});
