// createBackgroundProcess: start a command in its own tmux window and say how to reach it.
import path from "node:path";
import { tool, type ToolDefinition } from "@opencode-ai/plugin";
import type { JobView } from "../../core/job/job.js";
import { validateCreateInput, type CreateJobInput } from "../../core/launch/create-input.js";
import { JobStartError } from "../../core/errors.js";
import { formatAttach } from "../../text/attach.js";
import { formatStatus } from "../../text/status.js";
import { formatOutput } from "../format.js";
import { tagsArg, type ToolDeps } from "./context.js";
import { waitForOutput } from "../../core/wait/output-arrival.js";
import { waitForJob } from "../../core/wait/waiter.js";
import { parseWaitTimeout } from "../../core/wait/wait-condition.js";
import { waitConditionFromArgs } from "../../core/wait/wait-args.js";
import { formatWaitLines } from "../wait-format.js";
import { waitArgs } from "./wait-args.js";
import { askExternalDirectory } from "./external-directory.js";
import { readyFromWaitFor, watchArg, notifyWhenReadyArg, formatWatchLines } from "./watch-args.js";

const z = tool.schema;

/** How long create waits for a first line of output to include it in the result. */
const FIRST_OUTPUT_WAIT_MS = 400;

export function createBackgroundProcessTool(deps: ToolDeps): ToolDefinition {
  return tool({
    description: [
      "Run a shell command in the background, in its own tmux window (dev server, watcher, long build or test).",
      "Returns id, status, attach command, first output; then use waitForProcess, getBackgroundProcess, sendProcessInput, restartProcess, killProcesses.",
      "It ends when its session is deleted or OpenCode exits, unless global. cwd is relative to the project.",
      "until/pattern/port/timeoutMs: wait as waitForProcess. notifyOnExit: a message when it ends by itself. restart \"on-failure\": rerun up to maxRestarts (5).",
      "notifyWhenReady: don't block on until, message this session once it is met.",
      "Lines matching watch (\"errors\": compiler, test, dev-server errors, tracebacks, panics; or RE2 patterns) and printed `OPENCODE_NOTIFY: text` lines message this session.",
    ].join(" "),
    args: {
      command: z.string(),
      name: z.string().optional(),
      tags: tagsArg.optional(),
      global: z.boolean().optional(),
      cwd: z.string().optional(),
      env: z.record(z.string(), z.string()).optional(),
      notifyOnExit: z.boolean().optional(),
      restart: z.string().optional(),
      maxRestarts: z.number().optional(),
      ...waitArgs,
      watch: watchArg,
      notifyWhenReady: notifyWhenReadyArg,
    },
    async execute(args, ctx) {
      // A bad wait is refused before anything starts.
      const waitFor = waitConditionFromArgs(args, undefined);
      const waitTimeoutMs = parseWaitTimeout(args.timeoutMs, "timeoutMs");
      // notifyWhenReady: the until condition becomes an event for this session instead of a wait.
      const ready = readyFromWaitFor(waitFor, args.notifyWhenReady);
      const cwd = path.resolve(ctx.directory, args.cwd ?? ".");
      const input: CreateJobInput = {
        command: args.command,
        name: args.name,
        tags: args.tags,
        scope: args.global ? "global" : "session",
        sessionId: ctx.sessionID,
        projectDir: ctx.directory,
        notifyOnExit: args.notifyOnExit ?? deps.defaults?.notifyOnExit,
        cwd,
        env: args.env,
        // Any string: the core's validateRestartPolicy names the two values.
        restart: args.restart as CreateJobInput["restart"],
        maxRestarts: args.maxRestarts,
        watch: args.watch,
        ready,
      };
      // The core's checks before anyone is asked (the cwd is checked after its permission, below).
      await validateCreateInput({ ...input, cwd: undefined });
      // As OpenCode's bash tool does with its workdir: a cwd outside the project needs external_directory first.
      await askExternalDirectory(ctx, cwd, args.command);
      await ctx.ask({ permission: "bash", patterns: [args.command], always: [`${args.command.split(/\s+/)[0] ?? args.command} *`], metadata: { command: args.command, background: true } });
      const manager = await deps.manager();
      const job = await manager.create(input).catch(startFailure);
      // Nothing was left behind (no job, no folder): the model is told why, as a result it can act on.
      if ("failure" in job) return { title: `${args.name ?? args.command} could not start`, output: `status: failed: ${job.failure}`, metadata: { status: "failed" } };
      const waited = waitFor === undefined || ready ? undefined : await waitForJob(manager, job.id, waitFor, { signal: ctx.abort, timeoutMs: waitTimeoutMs });
      const settled = waited ? manager.get(job.id) : await waitForFirstOutput(manager, job);
      const output = await manager.output(job.id, { lines: 20 });
      const attach = formatAttach(manager.attachCommand(job.id));
      const text = [
        `id: ${settled.id}`,
        `name: ${settled.name}`,
        `status: ${formatStatus(settled)}`,
        `scope: ${settled.scope}`,
        ...(settled.cwd !== ctx.directory ? [`cwd: ${settled.cwd}`] : []),
        ...(settled.tags.length ? [`tags: ${settled.tags.join(", ")}`] : []),
        `attach: ${attach}`,
        ...(settled.notifyOnExit ? ["notify on exit: yes"] : []),
        ...(settled.restartPolicy ? [`restart: on-failure, at most ${settled.restartPolicy.maxRestarts} time(s)`] : []),
        ...formatWatchLines(manager.watches.view(settled.id)),
        ...(waited ? formatWaitLines(waited) : []),
        ...formatOutput(output),
      ].join("\n");
      ctx.metadata({ title: `${settled.name} (${settled.id})`, metadata: { processId: settled.id, status: settled.status } });
      return { title: `${settled.name} (${settled.id}) ${settled.status}`, output: text, metadata: { processId: settled.id, status: settled.status } };
    },
  });
}

/** create() could not start the job (JobStartError): its reason; anything else is rethrown. */
function startFailure(error: unknown): { failure: string } {
  if (error instanceof JobStartError) return { failure: error.message };
  throw error;
}

async function waitForFirstOutput(manager: Awaited<ReturnType<ToolDeps["manager"]>>, job: JobView): Promise<JobView> {
  if (job.status !== "running") return job;
  await waitForOutput(manager, job.id, { timeoutMs: FIRST_OUTPUT_WAIT_MS });
  return manager.get(job.id);
}
