// The original plugin's way of notifying, for the bench's baseline (notify-opencode.ts): the job
// runs as a child of OpenCode with piped stdout, lines are split as they arrive, and each
// `OPENCODE_NOTIFY:` line goes to the session at once with promptAsync. Loaded by OpenCode's Bun
// straight from this file; only the bench uses it.
import { spawn, type ChildProcess } from "node:child_process";
import { tool, type PluginInput, type PluginModule } from "@opencode-ai/plugin";

const children = new Set<ChildProcess>();
/** With the option keepOutput (the RSS case): every line is kept, as the original kept each process's output. */
const kept: string[] = [];

const plugin: PluginModule = {
  id: "bench-original-notify",
  server: async (input: PluginInput, options?: { keepOutput?: boolean }) => ({
    tool: {
      startPiped: tool({
        description: "Run a command with piped output (bench baseline).",
        args: { command: tool.schema.string() },
        execute: async (args, ctx) => {
          const child = spawn("bash", ["-c", args.command], { stdio: ["ignore", "pipe", "pipe"] });
          children.add(child);
          child.once("exit", () => children.delete(child));
          let pending = "";
          child.stdout!.setEncoding("utf8").on("data", (text: string) => {
            pending += text;
            let end: number;
            while ((end = pending.indexOf("\n")) >= 0) {
              const line = pending.slice(0, end);
              pending = pending.slice(end + 1);
              if (options?.keepOutput) kept.push(line);
              if (!line.startsWith("OPENCODE_NOTIFY:")) continue;
              const message = line.slice("OPENCODE_NOTIFY:".length).trim();
              void input.client.session
                .promptAsync({ path: { id: ctx.sessionID }, body: { parts: [{ type: "text", text: `[original] printed:\n> ${message}` }] } })
                .catch(() => undefined);
            }
          });
          return `started pid ${child.pid}`;
        },
      }),
    },
    async dispose() {
      for (const child of children) child.kill("SIGKILL");
    },
  }),
};

export default plugin;
