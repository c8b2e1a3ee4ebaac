// restartProcess: run a process again, running or finished, in the same tmux window: same
// command, cwd, environment, name and tags; the old process tree ends first, the log continues.
import { tool, type ToolDefinition } from "@opencode-ai/plugin";
import type { JobManager } from "../../core/manager.js";
import { formatAttach } from "../../text/attach.js";
import { formatJobDetails } from "../format.js";
import { processIdArgs, requireProcessId, type ToolDeps } from "./context.js";
import { projectJob } from "./scope.js";
import { askExternalDirectory } from "./external-directory.js";

/** How long restart waits for the new run's first output to include it in the result. */
const FIRST_OUTPUT_WAIT_MS = 400;

/** The tool definition; the bash permission is asked again, since the command runs again. */
export function restartProcessTool(deps: ToolDeps): ToolDefinition {
  return tool({
    description: [
      "Restart a background process (running or finished) with the same command, working directory, environment, name and tags, in the same tmux window.",
      "The old process and everything it started are stopped first (SIGTERM, then SIGKILL after a grace period); the output log continues after a separator line.",
      "Use it after changing code or config of a dev server or watcher, or to re-run a finished build or test job. Returns the details, the restart count and the new run's first output.",
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
  await new Promise<void>((resolve) => {
    const timer = setTimeout(done, FIRST_OUTPUT_WAIT_MS);
    const stopLine = manager.on("line", (jobId, _line, lineNo) => jobId === id && lineNo > firstLine && done());
    const stopStatus = manager.on("status", (view) => view.id === id && view.status !== "running" && done());
    function done() {
      clearTimeout(timer);
      stopLine();
      stopStatus();
      resolve();
    }
  });
}
