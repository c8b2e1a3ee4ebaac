// createBackgroundProcess: start a command in its own tmux window and say how to reach it.
import path from "node:path";
import { tool, type ToolDefinition } from "@opencode-ai/plugin";
import { LIMITS } from "../../core/create-input.js";
import { DEFAULT_MAX_RESTARTS, MAX_RESTARTS_LIMIT } from "../../core/restart-policy.js";
import type { JobView } from "../../core/job.js";
import { JobStartError } from "../../core/errors.js";
import { formatAttach, formatOutput, formatStatus } from "../format.js";
import { tagsArg, type ToolDeps } from "./context.js";
import { waitForJob } from "../../core/waiter.js";
import { parseWaitCondition, parseWaitTimeout } from "../../core/wait-condition.js";
import { formatWaitLines } from "../wait-format.js";
import { waitConditionArg, waitTimeoutArg } from "./wait-args.js";
import { askExternalDirectory } from "./external-directory.js";
import { readyFromWaitFor, watchArg, notifyWhenReadyArg, formatWatchLines } from "./watch-args.js";

const z = tool.schema;

/** How long create waits for a first line of output to include it in the result. */
const FIRST_OUTPUT_WAIT_MS = 400;
/** Bounds of the cwd and env arguments (the core also caps the number of variables). */
const CWD_MAX_CHARS = 4096;
const ENV_NAME_MAX_CHARS = 256;
const ENV_VALUE_MAX_CHARS = 32 * 1024;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function createBackgroundProcessTool(deps: ToolDeps): ToolDefinition {
  return tool({
    description: [
      "Start a shell command as a background process (dev server, watcher, test runner, long build) that keeps running while you work.",
      "Each process runs in its own tmux window, so the user can watch it and type into it.",
      "Use this instead of bash for anything that does not finish quickly or must keep running.",
      "Returns the process id (use it with getBackgroundProcess and killProcesses), its status, the command that attaches a person to its window, and any first output.",
      "Session processes (default) are ended when this chat session ends; set global: true for one that must outlive it.",
      "A line the process prints starting with OPENCODE_NOTIFY: is sent to this session as a new message, e.g. `make && echo OPENCODE_NOTIFY: build done`.",
    ].join(" "),
    args: {
      command: z.string().min(1).max(LIMITS.commandBytes).describe("Shell command, run with bash -c in the project directory, e.g. \"npm run dev\"."),
      name: z.string().max(LIMITS.nameChars).optional().describe("Short human-readable name, e.g. \"dev-server\". Defaults to the command."),
      tags: tagsArg.optional().describe("Labels for filtering and killing groups, e.g. [\"web\", \"dev\"]."),
      global: z.boolean().optional().describe("true: keep running after this session ends. Default false."),
      waitFor: waitConditionArg.optional().describe("Block until the process is ready before answering: \"exit\", { \"pattern\": \"listening on\" } (an output line matches) or { \"port\": 3000 } (accepts connections on 127.0.0.1/::1). Ends early if the process exits."),
      waitTimeoutMs: waitTimeoutArg.optional().describe("Longest waitFor wait in milliseconds. Default 60000, at most 600000."),
      notifyOnExit: z.boolean().optional().describe("true: when the process ends by itself (not killed by you), this session gets one message with its status, exit code and last lines."),
      cwd: z.string().min(1).max(CWD_MAX_CHARS).optional().describe("Working directory, relative to the project directory (default: the project directory), e.g. \"packages/web\". One outside the project needs the external_directory permission, as for bash."),
      env: z
        .record(z.string().regex(ENV_NAME, "environment variable names are letters, digits and _, not starting with a digit").max(ENV_NAME_MAX_CHARS), z.string().max(ENV_VALUE_MAX_CHARS))
        .optional()
        .describe(`Extra environment variables, e.g. {"PORT": "5173", "NODE_ENV": "development"}. At most ${LIMITS.envEntries}.`),
      restart: z.enum(["never", "on-failure"]).optional().describe("\"on-failure\": when the process fails by itself (non-zero exit, crash; not when you kill it), run it again after 1 s, 2 s, 4 s ... (at most 30 s). Default \"never\"."),
      maxRestarts: z.number().int().min(0).max(MAX_RESTARTS_LIMIT).optional().describe(`Most automatic restarts with restart "on-failure", 0-${MAX_RESTARTS_LIMIT}. Default ${DEFAULT_MAX_RESTARTS}.`),
      watch: watchArg,
      notifyWhenReady: notifyWhenReadyArg,
    },
    async execute(args, ctx) {
      // A bad waitFor is refused before anything starts.
      const waitFor = args.waitFor === undefined ? undefined : parseWaitCondition(args.waitFor, "waitFor");
      const waitTimeoutMs = parseWaitTimeout(args.waitTimeoutMs, "waitTimeoutMs");
      // notifyWhenReady: the waitFor condition becomes an event for this session instead of a wait.
      const ready = readyFromWaitFor(waitFor, args.notifyWhenReady);
      // As OpenCode's bash tool does with its workdir: a cwd outside the project needs external_directory first.
      const cwd = path.resolve(ctx.directory, args.cwd ?? ".");
      await askExternalDirectory(ctx, cwd, args.command);
      await ctx.ask({ permission: "bash", patterns: [args.command], always: [`${args.command.split(/\s+/)[0] ?? args.command} *`], metadata: { command: args.command, background: true } });
      const manager = await deps.manager();
      const job = await manager.create({
        command: args.command,
        name: args.name,
        tags: args.tags,
        scope: args.global ? "global" : "session",
        sessionId: ctx.sessionID,
        projectDir: ctx.directory,
        notifyOnExit: args.notifyOnExit ?? deps.defaults?.notifyOnExit,
        cwd,
        env: args.env,
        restart: args.restart,
        maxRestarts: args.maxRestarts,
        watch: args.watch,
        ready,
      }).catch(startFailure);
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
  await new Promise<void>((resolve) => {
    const timer = setTimeout(done, FIRST_OUTPUT_WAIT_MS);
    const stopLine = manager.on("line", (id) => id === job.id && done());
    const stopStatus = manager.on("status", (view) => view.id === job.id && view.status !== "running" && done());
    function done() {
      clearTimeout(timer);
      stopLine();
      stopStatus();
      resolve();
    }
  });
  return manager.get(job.id);
}
