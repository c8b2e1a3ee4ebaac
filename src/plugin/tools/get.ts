// getBackgroundProcess: one process's details and its recent output, free of terminal escapes.
import { tool, type ToolDefinition } from "@opencode-ai/plugin";
import { formatAttach, formatJobDetails } from "../format.js";
import { processIdArgs, requireProcessId, type ToolDeps } from "./context.js";

export function getBackgroundProcessTool(deps: ToolDeps): ToolDefinition {
  return tool({
    description: [
      "Show one background process: status (running/completed/failed/cancelled with exit code or error), command, times, the tmux attach command, and its last 100 output lines (stdout and stderr merged, terminal escapes removed).",
      "Use it to check whether a server is up, read test or build output, or see why a process failed.",
    ].join(" "),
    args: { ...processIdArgs },
    async execute(args) {
      const id = requireProcessId(args);
      const manager = await deps.manager();
      const job = manager.get(id);
      const output = await manager.output(id, { lines: 100 });
      const details = formatJobDetails(manager.get(id), formatAttach(manager.attachCommand(id)), output);
      const delivery = job.lastNotificationError ? `\nlast notification failed: ${job.lastNotificationError}` : "";
      return { title: `${job.name} (${job.id}) ${job.status}`, output: details + delivery, metadata: { processId: job.id, status: job.status } };
    },
  });
}
