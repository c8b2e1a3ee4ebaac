// `npm start`: the original plugin's Example 1, run through this plugin's own tool entry points
// on the real tmux, with no model and no OpenCode. Prints every step and leaves the global jobs
// running so a person can `tmux attach -t opencode-bg` and `npx opencode-bg ls`.
import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { PluginInput, ToolContext, ToolDefinition } from "@opencode-ai/plugin";
import plugin from "../src/plugin/server.js";
import { resolveConfig } from "../src/core/config.js";

const SESSION_ID = "ses_demo";

// OpenCode would hand the plugin its SDK client; the demo only needs the one call a
// notification makes, and prints it instead of prompting a model.
const client = {
  session: {
    promptAsync: async ({ body }: { body: { parts: { text: string }[] } }) => {
      console.log(`\n  >> notification prompt for session ${SESSION_ID}:\n${indent(body.parts.map((p) => p.text).join("\n"), "     ")}\n`);
      return {};
    },
    messages: async () => ({ data: [] }),
  },
} as unknown as PluginInput["client"];

async function main(): Promise<void> {
  const project = await mkdtemp(path.join(os.tmpdir(), "opencode-bg-demo-"));
  const input = { client, directory: project, worktree: project, project: {}, serverUrl: new URL("http://localhost:4096/"), $: undefined, experimental_workspace: { register() {} } } as unknown as PluginInput;
  const hooks = await plugin.server(input, {});
  const tools = hooks.tool as Record<string, ToolDefinition>;
  const context: ToolContext = {
    sessionID: SESSION_ID,
    messageID: "msg_demo",
    agent: "build",
    directory: project,
    worktree: project,
    abort: new AbortController().signal,
    metadata: () => {},
    ask: async () => {},
  };
  const call = async (name: string, args: Record<string, unknown>) => {
    console.log(`\n$ ${name} ${JSON.stringify(args)}`);
    const result = await tools[name]!.execute(args as never, context);
    const text = typeof result === "string" ? result : result.output;
    console.log(indent(text, "  "));
    return text;
  };

  console.log(`opencode-bg demo: the original plugin's Example 1 on your tmux (session '${resolveConfig().sessionName}').`);
  const build = await call("createBackgroundProcess", {
    command: `for i in 1 2 3 4; do echo "compiling module $i/4"; sleep 0.5; done; echo "OPENCODE_NOTIFY: build finished, 4 modules"`,
    name: "build",
    tags: ["demo", "build"],
  });
  const watcher = await call("createBackgroundProcess", {
    command: `while true; do echo "$(date +%T) tests: 42 passed"; sleep 2; done`,
    name: "test-watcher",
    tags: ["demo", "test", "watch"],
  });
  await call("createBackgroundProcess", {
    command: `while true; do echo "$(date +%T) lint: 0 problems"; sleep 3; done`,
    name: "lint",
    tags: ["demo", "lint"],
    global: true,
  });
  await call("createBackgroundProcess", {
    command: `node -e 'require("http").createServer((q, s) => { console.log(q.method, q.url); s.end("hello\\n"); }).listen(0, "127.0.0.1", function () { console.log("dev server on http://127.0.0.1:" + this.address().port) })'`,
    name: "dev-server",
    tags: ["demo", "web"],
    global: true,
  });
  await call("listBackgroundProcesses", {});
  await call("listBackgroundProcesses", { tags: ["watch", "lint"] });
  await sleep(2500);
  await call("getBackgroundProcess", { processId: idOf(build) });
  await call("killProcesses", { processId: idOf(watcher) });
  await call("listBackgroundProcesses", {});

  // The demo is a short-lived "OpenCode": ending it ends its session jobs, as OpenCode's exit would.
  await hooks.dispose?.();
  const { tmuxSocket, sessionName } = resolveConfig();
  const tmux = tmuxSocket ? `tmux -L ${tmuxSocket}` : "tmux";
  console.log(
    [
      "",
      "Done. The global jobs (lint, dev-server) are still running. Look at them:",
      `  ${tmux} attach -t ${sessionName}      # C-b n / C-b p to switch windows, C-b d to detach`,
      "  npx opencode-bg ls",
      "  npx opencode-bg logs <id> -f",
      "Clean up with:",
      "  npx opencode-bg kill --tag demo",
    ].join("\n"),
  );
}

function idOf(output: string): string {
  const match = /^id: (\S+)$/m.exec(output);
  if (!match?.[1]) throw new Error(`no id in: ${output}`);
  return match[1];
}

function indent(text: string, prefix: string): string {
  return text.split("\n").map((line) => prefix + line).join("\n");
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

main().catch((error: unknown) => {
  console.error(`demo failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
