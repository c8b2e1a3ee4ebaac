// getBackgroundProcess: one process's details and its output, free of terminal escapes: the
// last N lines, or only what is new since a cursor (older output from the log file), grepped.
import { tool, type ToolDefinition } from "@opencode-ai/plugin";
import { validateReadArgs } from "../../core/output/read-args.js";
import { CPU_SAMPLE_MS } from "../../core/job/job-usage.js";
import { formatJobDetails } from "../format.js";
import { formatPollHeader } from "../format-poll.js";
import { GREP_MAX_CHARS } from "../../core/output/grep.js";
import { formatAttach } from "../../text/attach.js";
import { formatRead } from "../format-read.js";
import { formatInputWait } from "../input-wait-notice.js";
import { formatUsage } from "../../text/usage.js";
import { processIdArgs, requireProcessId, type ToolDeps } from "./context.js";
import { projectJob } from "./scope.js";
import { formatWatchLines } from "../watch-format.js";

const z = tool.schema;

/** The tool definition: details plus a read (tail, since cursor, grep) of the output. */
export function getBackgroundProcessTool(deps: ToolDeps): ToolDefinition {
  return tool({
    description: [
      "Show a process: status, exit code, details and its last `lines` (100) of output.",
      "Pass since=N from `next read since=N` to get only newer lines. grep: RE2 filter, (?i) ignores case.",
    ].join(" "),
    args: {
      ...processIdArgs,
      lines: z.number().optional(),
      since: z.number().optional(),
      grep: z.string().optional(),
    },
    async execute(args, ctx) {
      const id = requireProcessId(args);
      const { lines = 100, since } = validateReadArgs(args);
      const manager = await deps.manager();
      const job = projectJob(manager, id, ctx.directory);
      // The CPU sample runs while the output is read.
      const [output, usage] = await Promise.all([
        manager.output(id, { lines, since, grep: args.grep }),
        job.status === "running" && since === undefined ? manager.usage([id], { cpuSampleMs: CPU_SAMPLE_MS }).then((found) => formatUsage(found.get(id)), () => "") : "",
      ]);
      manager.inputPromptShown(id);
      const view = manager.get(id);
      // A poll with since already knows the job: one line of who and how it is, then the new lines.
      const header = since === undefined ? formatJobDetails(view, formatAttach(manager.attachCommand(id))) + (usage ? `\nusage: ${usage}` : "") : formatPollHeader(view);
      const details = [header, ...formatInputWait(view)].join("\n");
      const read = formatRead(output, { lines, since, grep: args.grep }).join("\n");
      const watch = since === undefined ? formatWatchLines(manager.watches.view(id)).map((line) => `\n${line}`).join("") : "";
      const delivery = job.lastNotificationError ? `\nlast notification failed: ${job.lastNotificationError}` : "";
      return {
        title: `${job.name} (${job.id}) ${job.status}`,
        output: `${details}${watch}\n${read}${delivery}`,
        metadata: { processId: job.id, status: job.status, next: output.next },
      };
    },
  });
}
