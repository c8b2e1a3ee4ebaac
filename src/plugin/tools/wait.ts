// waitForProcess: block until a process exits, prints a matching line or opens a port, and say
// which happened. A timeout is an answer, not an error; the model decides what to do next.
import { tool, type ToolDefinition } from "@opencode-ai/plugin";
import { WAIT_LIMITS } from "../../core/wait/wait-condition.js";
import { waitForJob } from "../../core/wait/waiter.js";
import { formatWaitResult } from "../wait-format.js";
import { processIdArgs, requireProcessId, type ToolDeps } from "./context.js";
import { projectJob } from "./scope.js";
import { waitConditionArg, waitTimeoutArg } from "./wait-args.js";

/** Waits for a background process instead of polling it with sleeps. */
export function waitForProcessTool(deps: ToolDeps): ToolDefinition {
  return tool({
    description: [
      "Wait until a background process exits (until: \"exit\"), prints an output line matching a regular expression (until: { pattern }), or accepts TCP connections on a port on 127.0.0.1/::1 (until: { port }).",
      "Lines already in its output count, so waiting for \"listening\" after the server printed it returns at once; after a restart, only the new run's lines count.",
      "Returns the matching line and its number, or the exit status and last lines; if the process ends first, or timeoutMs passes (default 60000, at most 600000), it says so with the last lines.",
      "Use it instead of sleep loops, e.g. after starting a dev server or to wait for a build to finish.",
    ].join(" "),
    args: {
      ...processIdArgs,
      until: waitConditionArg.describe("What to wait for: \"exit\", { \"pattern\": \"regex\" } or { \"port\": 3000 }."),
      timeoutMs: waitTimeoutArg.optional().describe(`Longest wait in milliseconds. Default ${WAIT_LIMITS.timeoutMsDefault}, at most ${WAIT_LIMITS.timeoutMsMax}.`),
    },
    async execute(args, ctx) {
      const id = requireProcessId(args);
      const manager = await deps.manager();
      projectJob(manager, id, ctx.directory);
      ctx.metadata({ title: `waiting for ${id}`, metadata: { processId: id } });
      const result = await waitForJob(manager, id, args.until, { signal: ctx.abort, timeoutMs: args.timeoutMs });
      const title = `${result.job.name} (${result.job.id}) ${result.outcome}`;
      return { title, output: formatWaitResult(result), metadata: { processId: id, outcome: result.outcome, satisfied: result.satisfied, status: result.job.status } };
    },
  });
}
