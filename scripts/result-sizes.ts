// Sizes (characters) of the results an agent reads, through the plugin's real tools on a
// private tmux server: a list of 10 jobs, a get with 100 lines, a get with `since` and 3 new
// lines, a notification, an exit notice (each as the prompt's text plus its note) and the
// compaction block for 12 jobs. Only arguments every version takes, so the same script measures
// before and after a change.   npm run result-sizes [-- --show]
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { Hooks, PluginInput, ToolContext, ToolDefinition } from "@opencode-ai/plugin";
import plugin from "../src/plugin/server.js";
import { createTmuxSandbox } from "../test/helpers/tmux-sandbox.js";

const show = process.argv.includes("--show");
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const prompts: { session: string; text: string }[] = [];
const client = {
  session: {
    promptAsync: async (request: { path: { id: string }; body: { parts: { text: string }[] } }) => {
      prompts.push({ session: request.path.id, text: request.body.parts.map((part) => part.text).join("\n") });
      return {};
    },
    messages: async () => ({ data: [] }),
  },
} as unknown as PluginInput["client"];

const sandbox = await createTmuxSandbox("obg-sizes");
const dir = await mkdtemp(path.join(os.tmpdir(), "obg-sizes-project-"));
const input = { client, directory: dir, worktree: dir, project: {}, serverUrl: new URL("http://localhost:4096/"), $: undefined, experimental_workspace: { register() {} } } as unknown as PluginInput;
const hooks: Hooks = await plugin.server(input, { tmuxSocket: sandbox.socket, stateDir: sandbox.stateDir, gcAfterDays: 0, notifyMinIntervalMs: 0, notifyMaxPerMinute: 100 });
const tools = hooks.tool as Record<string, ToolDefinition>;
const sizes: Record<string, number> = {};

async function call(name: string, args: Record<string, unknown>, session = "ses_sizes"): Promise<string> {
  const ctx = { sessionID: session, messageID: "msg", agent: "build", directory: dir, worktree: dir, abort: new AbortController().signal, metadata: () => {}, ask: async () => {} } as unknown as ToolContext;
  const result = await tools[name]!.execute(args as never, ctx);
  return typeof result === "string" ? result : result.output;
}
function record(label: string, text: string) {
  sizes[label] = text.length;
  if (show) console.log(`----- ${label} (${text.length} chars)\n${text}`);
}
async function until<T>(what: string, check: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const value = await check();
    if (value !== undefined) return value;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}`);
}
const idOf = (text: string) => /^id: (\S+)/m.exec(text)?.[1] ?? "";

try {
  const go = path.join(dir, "GO");
  // A build printing 150 lines, then 3 more once GO exists; 8 servers and watchers; one failed test run.
  const build = idOf(await call("createBackgroundProcess", { command: `seq -f 'build step %g: compiled module' 1 150; while [ ! -e GO ]; do sleep 0.1; done; printf 'new 1\\nnew 2\\nnew 3\\n'; sleep 300`, name: "build", tags: ["build"] }));
  for (let i = 1; i <= 8; i++) await call("createBackgroundProcess", { command: `echo "server ${i} listening on http://localhost:${3000 + i}"; sleep 300`, name: `dev-server-${i}`, tags: ["web", "dev"] });
  await call("createBackgroundProcess", { command: "echo 'FAIL test/app.test.ts > renders'; echo 'Error: expected 2, got 3'; exit 1", name: "tests" });
  await until("150 lines", async () => ((await call("getBackgroundProcess", { processId: build, lines: 1 })).includes("since=151") ? true : undefined));
  await sleep(500);
  record("list of 10 jobs", await call("listBackgroundProcesses", {}));
  const full = await call("getBackgroundProcess", { processId: build, lines: 100 });
  record("get with 100 lines", full);
  const next = Number(/next read since=(\d+)/.exec(full)?.[1]);
  await writeFile(go, "");
  await until("3 new lines", async () => ((await call("getBackgroundProcess", { processId: build, lines: 1 })).includes(`since=${next + 3}`) ? true : undefined));
  record("get with since and 3 new lines", await call("getBackgroundProcess", { processId: build, since: next }));

  // Two more jobs of the session, one ended: the compaction block for 12 jobs.
  await call("createBackgroundProcess", { command: "echo done; exit 0", name: "lint" });
  await call("createBackgroundProcess", { command: "sleep 300", name: "watcher", tags: ["watch"] });
  await sleep(1000);
  const compacted = { context: [] as string[], prompt: undefined };
  await hooks["experimental.session.compacting"]?.({ sessionID: "ses_sizes" } as never, compacted as never);
  record("compaction block, 12 jobs", compacted.context.join("\n"));

  await call("createBackgroundProcess", { command: "sleep 0.3; echo 'OPENCODE_NOTIFY: build finished, 0 errors'; sleep 300", name: "notifier" }, "ses_notify");
  record("notification", (await until("the notification", async () => prompts.find((p) => p.session === "ses_notify"))).text);
  await call("createBackgroundProcess", { command: "for i in 1 2 3 4 5 6 7 8; do echo \"test $i ok\"; done; echo 'Error: cannot find module ./config' >&2; exit 2", name: "e2e tests", notifyOnExit: true }, "ses_exit");
  record("exit notice", (await until("the exit notice", async () => prompts.find((p) => p.session === "ses_exit"))).text);
} finally {
  await hooks.dispose?.();
  await sandbox.open().catch(() => undefined);
  await sandbox.cleanup();
  await rm(dir, { recursive: true, force: true });
}
for (const [label, size] of Object.entries(sizes)) console.log(`${label.padEnd(32)} ${String(size).padStart(6)}`);
