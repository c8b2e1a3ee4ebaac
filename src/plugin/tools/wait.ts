// waitForProcess: block until a process exits, prints a matching line or opens a port, and say
// which happened. A timeout is an answer, not an error; the model decides what to do next.
import { tool, type ToolDefinition } from "@opencode-ai/plugin";
import { waitConditionFromArgs } from "../../core/wait/wait-args.js";
import { parseWaitTimeout } from "../../core/wait/wait-condition.js";
import { waitForJob } from "../../core/wait/waiter.js";
import { formatWaitResult } from "../wait-format.js";
import { processIdArgs, requireProcessId, type ToolDeps } from "./context.js";
import { projectJob } from "./scope.js";
import { waitArgs } from "./wait-args.js";

/** Waits for a background process instead of polling it with sleeps. */
export function waitForProcessTool(deps: ToolDeps): ToolDefinition {
  return tool({
    description: [
      "Wait for a process instead of sleeping: until \"exit\" (default), \"pattern\" (an output line, printed before or after, matches pattern, RE2) or \"port\" (port accepts TCP on localhost), up to timeoutMs (60000).",
      "Returns what happened and the last lines.",
    ].join(" "),
    args: { ...processIdArgs, ...waitArgs },
    async execute(args, ctx) {
      const id = requireProcessId(args);
      const condition = waitConditionFromArgs(args, "exit")!;
      const timeoutMs = parseWaitTimeout(args.timeoutMs, "timeoutMs");
      const manager = await deps.manager();
      projectJob(manager, id, ctx.directory);
      ctx.metadata({ title: `waiting for ${id}`, metadata: { processId: id } });
      const result = await waitForJob(manager, id, condition, { signal: ctx.abort, timeoutMs });
      const title = `${result.job.name} (${result.job.id}) ${result.outcome}`;
      return { title, output: formatWaitResult(result), metadata: { processId: id, outcome: result.outcome, satisfied: result.satisfied, status: result.job.status } };
    },
  });
}
