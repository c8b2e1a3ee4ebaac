// watchProcess: add or remove watches on a running process (see createBackgroundProcess `watch`).
import { tool, type ToolDefinition } from "@opencode-ai/plugin";
import { type ToolDeps } from "./context.js";
import { projectJob } from "./scope.js";
import { formatWatchLines } from "../watch-format.js";

const z = tool.schema;

export function watchProcessTool(deps: ToolDeps): ToolDefinition {
  return tool({
    description: "Change a background process's watches (as createBackgroundProcess watch): matching output lines message this session.",
    args: {
      processId: z.string(),
      add: z.array(z.string()).optional(),
      remove: z.array(z.string()).optional(),
    },
    async execute(args, ctx) {
      const manager = await deps.manager();
      const job = projectJob(manager, args.processId, ctx.directory);
      await manager.changeWatches(job.id, { add: args.add, remove: args.remove });
      const lines = formatWatchLines(manager.watches.view(job.id));
      return {
        title: `${job.name} (${job.id}) watches`,
        output: [`id: ${job.id}`, ...(lines.length ? lines : ["watch: none"])].join("\n"),
        metadata: { processId: job.id },
      };
    },
  });
}
