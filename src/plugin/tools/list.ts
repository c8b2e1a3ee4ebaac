// listBackgroundProcesses: the processes of this project, one compact line each.
import { tool, type ToolDefinition } from "@opencode-ai/plugin";
import type { JobFilter } from "../../core/filters.js";
import { formatJobLine } from "../format.js";
import { formatDiskTotal, logSizes } from "../disk-usage.js";
import { watchMark } from "../watch-format.js";
import { resolveSessionId, STATUS_VALUES, tagsArg, type ToolDeps } from "./context.js";

const z = tool.schema;

export function listBackgroundProcessesTool(deps: ToolDeps): ToolDefinition {
  return tool({
    description: [
      "List background processes of this project, one line each: id, status, runtime, name, tags, scope and the last output line.",
      "All chat sessions' processes by default; filter by sessionId (\"current\" = this chat session, \"all\" = every session, the default), status, or tags (a process matches if it has any of them).",
    ].join(" "),
    args: {
      sessionId: z.string().max(200).optional().describe("Only processes started by this chat session; \"current\" means this one, \"all\" (the default) every session of this project."),
      status: z.enum(STATUS_VALUES).optional().describe("Only processes in this state."),
      tags: tagsArg.optional().describe("Only processes carrying at least one of these tags."),
    },
    async execute(args, ctx) {
      const manager = await deps.manager();
      const sessionId = resolveSessionId(args.sessionId, ctx.sessionID);
      const filter: JobFilter = {
        projectDir: ctx.directory,
        ...(sessionId ? { sessionId } : {}),
        ...(args.status ? { status: args.status } : {}),
        ...(args.tags?.length ? { tags: args.tags } : {}),
      };
      // Stray jobs (marker processes whose folder is gone) have no known project: every project
      // lists them, so a model can kill them by id. Broad kills never reach them by project.
      const matching = () => {
        const own = manager.list(filter);
        const strays = manager.list({ ...filter, projectDir: undefined }).filter((job) => job.detached === "stray" && !own.some((o) => o.id === job.id));
        return [...own, ...strays];
      };
      let jobs = matching();
      await manager.loadOutputs(jobs.map((job) => job.id));
      jobs = matching();
      const now = Date.now();
      const running = jobs.filter((job) => job.status === "running").length;
      const sizes = await logSizes(jobs);
      const output = jobs.length === 0
        ? "No background processes match."
        : [
          `${jobs.length} process(es), ${running} running (id status runtime "name" [tags] scope | last line):`,
          ...jobs.map((job) => withMark(formatJobLine(job, now, sizes.get(job.id)), formatJobLine({ ...job, lastLine: undefined }, now, sizes.get(job.id)), watchMark(manager.watches.view(job.id)))),
          formatDiskTotal(sizes, manager.config.maxLogBytes),
        ].join("\n");
      return { title: `${jobs.length} background process(es)`, output, metadata: { count: jobs.length, running } };
    },
  });
}

/** The job line with `mark` (watches, readiness) after its scope, before " | last line". */
function withMark(line: string, withoutLast: string, mark: string): string {
  return mark ? `${withoutLast}${mark}${line.slice(withoutLast.length)}` : line;
}
