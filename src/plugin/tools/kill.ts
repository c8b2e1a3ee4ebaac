// killProcesses: end processes (their whole process trees) by id, session, status or tags.
import { tool, type ToolDefinition } from "@opencode-ai/plugin";
import type { JobFilter } from "../../core/filters.js";
import { formatKillReports } from "../format.js";
import { processIdArgs, resolveSessionId, STATUS_VALUES, tagsArg, type ToolDeps } from "./context.js";

const z = tool.schema;

export function killProcessesTool(deps: ToolDeps): ToolDefinition {
  return tool({
    description: [
      "Stop background processes and everything they started (SIGTERM, then SIGKILL after a grace period), then close their tmux windows.",
      "Select by processId, or by sessionId (\"current\" = this chat session), status, or tags (any of them); filters combine.",
      "At least one filter is required. Returns what was killed. An unknown processId is an error and kills nothing.",
    ].join(" "),
    args: {
      ...processIdArgs,
      sessionId: z.string().max(200).optional().describe("Kill the processes of this chat session; \"current\" means this one."),
      status: z.enum(STATUS_VALUES).optional().describe("Only processes in this state, e.g. \"running\"."),
      tags: tagsArg.optional().describe("Kill processes carrying any of these tags."),
    },
    async execute(args, ctx) {
      const manager = await deps.manager();
      const id = args.processId ?? args.taskId;
      const sessionId = resolveSessionId(args.sessionId, ctx.sessionID);
      const filter: JobFilter = {
        ...(id ? { ids: [id] } : { projectDir: ctx.directory }),
        ...(sessionId ? { sessionId } : {}),
        ...(args.status ? { status: args.status } : {}),
        ...(args.tags?.length ? { tags: args.tags } : {}),
      };
      const reports = await manager.kill(filter, { reason: "killed with killProcesses" });
      return { title: `killed ${reports.length} process(es)`, output: formatKillReports(reports), metadata: { killed: reports.map((r) => r.id) } };
    },
  });
}
