// getBackgroundProcess: one process's details and its output, free of terminal escapes: the
// last N lines, or only what is new since a cursor (older output from the log file), grepped.
import { tool, type ToolDefinition } from "@opencode-ai/plugin";
import { GREP_MAX_CHARS } from "../../core/grep.js";
import { formatAttach, formatJobDetails } from "../format.js";
import { formatRead } from "../format-read.js";
import { processIdArgs, requireProcessId, type ToolDeps } from "./context.js";
import { projectJob } from "./scope.js";
import { formatWatchLines } from "../watch-format.js";

const z = tool.schema;

/** Most lines one read returns: the size of the in-memory buffer. */
export const MAX_READ_LINES = 2000;

/** The tool definition: details plus a read (tail, since cursor, grep) of the output. */
export function getBackgroundProcessTool(deps: ToolDeps): ToolDefinition {
  return tool({
    description: [
      "Show one background process: status (running/completed/failed/cancelled with exit code or error), command, times, the tmux attach command, and its output (stdout and stderr merged, terminal escapes removed): by default the last 100 lines.",
      "Every result ends the output header with `next read since=N`: pass since=N next time to get only the lines printed after this read (nothing is skipped or repeated; older output is read from the log file on disk).",
      "grep filters the lines shown (RE2 syntax, `(?i)` ignores case) without moving past unsearched output.",
      "Use it to check whether a server is up, read test or build output, or see why a process failed.",
    ].join(" "),
    args: {
      ...processIdArgs,
      lines: z.number().int().min(1).max(MAX_READ_LINES).optional().describe(`How many lines: the last N (default 100), or with since the first N from that line on. 1-${MAX_READ_LINES}.`),
      since: z.number().int().min(0).optional().describe("Line number to read from: the `next read since=N` of your previous read, to get only new output. 1 = from the start of the log."),
      grep: z.string().min(1).max(GREP_MAX_CHARS).optional().describe("Only show lines matching this regular expression (RE2: no lookaround/backreferences), e.g. \"(?i)error|warn\"."),
    },
    async execute(args, ctx) {
      const id = requireProcessId(args);
      const manager = await deps.manager();
      const job = projectJob(manager, id, ctx.directory);
      const lines = args.lines ?? 100;
      const output = await manager.output(id, { lines, since: args.since, grep: args.grep });
      const details = formatJobDetails(manager.get(id), formatAttach(manager.attachCommand(id)));
      const read = formatRead(output, { lines, since: args.since, grep: args.grep }).join("\n");
      const watch = formatWatchLines(manager.watches.view(id)).map((line) => `\n${line}`).join("");
      const delivery = job.lastNotificationError ? `\nlast notification failed: ${job.lastNotificationError}` : "";
      return {
        title: `${job.name} (${job.id}) ${job.status}`,
        output: `${details}${watch}\n${read}${delivery}`,
        metadata: { processId: job.id, status: job.status, next: output.next },
      };
    },
  });
}
