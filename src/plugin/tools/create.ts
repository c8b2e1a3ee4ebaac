// createBackgroundProcess: start a command in its own tmux window and say how to reach it.
import { tool, type ToolDefinition } from "@opencode-ai/plugin";
import { LIMITS } from "../../core/create-input.js";
import type { JobView } from "../../core/job.js";
import { formatAttach, formatOutput, formatStatus } from "../format.js";
import { tagsArg, type ToolDeps } from "./context.js";

const z = tool.schema;

/** How long create waits for a first line of output to include it in the result. */
const FIRST_OUTPUT_WAIT_MS = 400;

export function createBackgroundProcessTool(deps: ToolDeps): ToolDefinition {
  return tool({
    description: [
      "Start a shell command as a background process (dev server, watcher, test runner, long build) that keeps running while you work.",
      "Each process runs in its own tmux window, so the user can watch it and type into it.",
      "Use this instead of bash for anything that does not finish quickly or must keep running.",
      "Returns the process id (use it with getBackgroundProcess and killProcesses), its status, the command that attaches a person to its window, and any first output.",
      "Session processes (default) are ended when this chat session ends; set global: true for one that must outlive it.",
      "A line the process prints starting with OPENCODE_NOTIFY: is sent to this session as a new message, e.g. `make && echo OPENCODE_NOTIFY: build done`.",
    ].join(" "),
    args: {
      command: z.string().min(1).max(LIMITS.commandBytes).describe("Shell command, run with bash -c in the project directory, e.g. \"npm run dev\"."),
      name: z.string().max(LIMITS.nameChars).optional().describe("Short human-readable name, e.g. \"dev-server\". Defaults to the command."),
      tags: tagsArg.optional().describe("Labels for filtering and killing groups, e.g. [\"web\", \"dev\"]."),
      global: z.boolean().optional().describe("true: keep running after this session ends. Default false."),
    },
    async execute(args, ctx) {
      await ctx.ask({ permission: "bash", patterns: [args.command], always: [`${args.command.split(/\s+/)[0] ?? args.command} *`], metadata: { command: args.command, background: true } });
      const manager = await deps.manager();
      const job = await manager.create({
        command: args.command,
        name: args.name,
        tags: args.tags,
        scope: args.global ? "global" : "session",
        sessionId: ctx.sessionID,
        projectDir: ctx.directory,
        cwd: ctx.directory,
      });
      const settled = await waitForFirstOutput(manager, job);
      const output = await manager.output(job.id, { lines: 20 });
      const attach = formatAttach(manager.attachCommand(job.id));
      const text = [
        `id: ${settled.id}`,
        `name: ${settled.name}`,
        `status: ${formatStatus(settled)}`,
        `scope: ${settled.scope}`,
        ...(settled.tags.length ? [`tags: ${settled.tags.join(", ")}`] : []),
        `attach: ${attach}`,
        ...formatOutput(output),
      ].join("\n");
      ctx.metadata({ title: `${settled.name} (${settled.id})`, metadata: { processId: settled.id, status: settled.status } });
      return { title: `${settled.name} (${settled.id}) ${settled.status}`, output: text, metadata: { processId: settled.id, status: settled.status } };
    },
  });
}

async function waitForFirstOutput(manager: Awaited<ReturnType<ToolDeps["manager"]>>, job: JobView): Promise<JobView> {
  if (job.status !== "running") return job;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(done, FIRST_OUTPUT_WAIT_MS);
    const stopLine = manager.on("line", (id) => id === job.id && done());
    const stopStatus = manager.on("status", (view) => view.id === job.id && view.status !== "running" && done());
    function done() {
      clearTimeout(timer);
      stopLine();
      stopStatus();
      resolve();
    }
  });
  return manager.get(job.id);
}
