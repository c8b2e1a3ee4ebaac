// listBackgroundProcesses: the processes of this project, one compact line each.
import { tool, type ToolDefinition } from "@opencode-ai/plugin";
import type { JobFilter } from "../../core/job/filters.js";
import { formatJobLine } from "../format.js";
import { formatDiskTotal, logSizes } from "../disk-usage.js";
import { formatPorts } from "../../text/usage.js";
import { watchMark } from "../watch-format.js";
import { resolveSessionId, STATUS_VALUES, tagsArg, type ToolDeps } from "./context.js";

const z = tool.schema;

export function listBackgroundProcessesTool(deps: ToolDeps): ToolDefinition {
  return tool({
    description: [
      "List this project's background processes, one line each. Filters: sessionId (\"current\" or an id; default all), status, tags (any).",
    ].join(" "),
    args: {
      sessionId: z.string().optional(),
      status: z.enum(STATUS_VALUES).optional(),
      tags: tagsArg.optional(),
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
      const [sizes, usage] = await Promise.all([logSizes(jobs), manager.usage(jobs.map((job) => job.id), { memory: false }).catch(() => new Map())]);
      const output = jobs.length === 0
        ? "No background processes match."
        : [
          `${jobs.length} process(es), ${running} running (id status runtime "name" [tags] scope :ports | last line):`,
          ...jobs.map((job) => {
            const ports = formatPorts(usage.get(job.id));
            return withMark(formatJobLine(job, now, sizes.get(job.id), ports), formatJobLine({ ...job, lastLine: undefined }, now, sizes.get(job.id), ports), watchMark(manager.watches.view(job.id)));
          }),
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
