// restartProcess: run a process again, running or finished, in the same tmux window: same
// command, cwd, environment, name and tags; the old process tree ends first, the log continues.
import { tool, type ToolDefinition } from "@opencode-ai/plugin";
import type { JobManager } from "../../core/manager.js";
import { waitForOutput } from "../../core/wait/output-arrival.js";
import { formatJobDetails } from "../format.js";
import { formatAttach } from "../../text/attach.js";
import { processIdArgs, requireProcessId, type ToolDeps } from "./context.js";
import { projectJob } from "./scope.js";
import { askExternalDirectory } from "./external-directory.js";

/** How long restart waits for the new run's first output to include it in the result. */
const FIRST_OUTPUT_WAIT_MS = 400;

/** The tool definition; the bash permission is asked again, since the command runs again. */
export function restartProcessTool(deps: ToolDeps): ToolDefinition {
  return tool({
    description: [
      "Rerun a process, running or ended, in its window with the same command, cwd and env; stops the old process tree first, the log continues.",
    ].join(" "),
    args: { ...processIdArgs },
    async execute(args, ctx) {
      const id = requireProcessId(args);
      const manager = await deps.manager();
      const before = projectJob(manager, id, ctx.directory);
      // The command runs again, in its old cwd: the same permissions as creating it, asked again.
      await askExternalDirectory(ctx, before.cwd, before.command);
      await ctx.ask({ permission: "bash", patterns: [before.command], always: [`${before.command.split(/\s+/)[0] ?? before.command} *`], metadata: { command: before.command, background: true, restart: true } });
      const report = await manager.restart(id, { reason: "restarted with restartProcess" });
      await waitForNewOutput(manager, id, report.firstLine);
      const job = manager.get(id);
      const output = await manager.output(id, { since: report.firstLine, lines: 40 });
      const head = `restarted ${job.id} "${job.name}" (restart ${report.run}; was ${report.previousStatus}; ${report.signalled} old process(es) ended; ${report.sameWindow ? "same tmux window" : "new tmux window: the old one was closed"})`;
      const firstLine = `new run's output starts at line ${report.firstLine} (waitForProcess searches from there)`;
      const text = [head, firstLine, formatJobDetails(job, formatAttach(manager.attachCommand(id)), output)].join("\n");
      ctx.metadata({ title: `${job.name} (${job.id}) restarted`, metadata: { processId: job.id, status: job.status, restarts: job.restarts } });
      return { title: `${job.name} (${job.id}) restarted, ${job.status}`, output: text, metadata: { processId: job.id, status: job.status, restarts: job.restarts } };
    },
  });
}

/** Until the new run printed past its separator line, ended, or a short time passed. */
async function waitForNewOutput(manager: JobManager, id: string, firstLine: number): Promise<void> {
  if (manager.get(id).status !== "running") return;
  await waitForOutput(manager, id, { afterLine: firstLine, timeoutMs: FIRST_OUTPUT_WAIT_MS });
}
