// sendProcessInput: type into a running process's window (answer a prompt, drive a REPL, press
// Ctrl-C) through tmux send-keys, then show what it printed in reply.
import { tool, type ToolDefinition } from "@opencode-ai/plugin";
import type { JobManager } from "../../core/manager.js";
import { waitForOutput } from "../../core/wait/output-arrival.js";
import { INPUT_LIMITS } from "../../core/input/send-input.js";
import { formatStatus } from "../../text/status.js";
import { formatRead } from "../format-read.js";
import { processIdArgs, requireProcessId, type ToolDeps } from "./context.js";
import { projectJob } from "./scope.js";

const z = tool.schema;

/** How long the tool waits for a reply to the input, and for the reply to go quiet. */
const REPLY_WAIT_MS = 1000;
const REPLY_QUIET_MS = 150;
const REPLY_LINES = 50;

/** The tool definition; typing goes through JobManager.send, which validates the input. */
export function sendProcessInputTool(deps: ToolDeps): ToolDefinition {
  return tool({
    description: [
      "Type into a running process's terminal: text as typed, then keys (tmux names: C-c, C-d, Escape, Up...), then Enter (default with text; enter: false skips it).",
      "Returns the output printed in reply.",
    ].join(" "),
    args: {
      ...processIdArgs,
      text: z.string().optional(),
      keys: z.array(z.string()).optional(),
      enter: z.boolean().optional(),
    },
    async execute(args, ctx) {
      const id = requireProcessId(args);
      const manager = await deps.manager();
      // Before the permission prompt: another project's id is unknown, and nobody is asked about it.
      projectJob(manager, id, ctx.directory);
      const text = args.text ?? "";
      // Typed text can be a command for a shell or REPL: the user's bash rules decide, as for create.
      if (text) await ctx.ask({ permission: "bash", patterns: [text], always: [text], metadata: { processId: id, input: text } });
      const keys = args.keys ?? [];
      const enter = args.enter ?? args.text !== undefined;
      const before = (await manager.output(id, { lines: 0 })).next;
      const replied = waitForReply(manager, id);
      try {
        await manager.send(id, { ...(text ? { text } : {}), keys, enter });
      } catch (error) {
        replied.cancel();
        throw error;
      }
      await replied.done;
      const job = manager.get(id);
      const output = await manager.output(id, { since: before, lines: REPLY_LINES });
      manager.inputPromptShown(id);
      const sent = [
        ...(text ? [`text (${Buffer.byteLength(text, "utf8")} bytes)`] : []),
        ...(keys.length ? [`keys ${keys.join(" ")}`] : []),
        ...(enter ? ["Enter"] : []),
      ].join(", ");
      const lines = [`sent to ${job.id} "${job.name}": ${sent}`, `status: ${formatStatus(job)}`, ...formatRead(output, { lines: REPLY_LINES, since: before })];
      return { title: `input to ${job.name} (${job.id})`, output: lines.join("\n"), metadata: { processId: job.id, status: job.status, next: output.next } };
    },
  });
}

/** Resolves once output arrived and went quiet, the job ended, or the wait ran out. */
function waitForReply(manager: JobManager, id: string): { done: Promise<void>; cancel: () => void } {
  const stop = new AbortController();
  const done = waitForOutput(manager, id, { timeoutMs: REPLY_WAIT_MS, quietMs: REPLY_QUIET_MS, signal: stop.signal });
  return { done, cancel: () => stop.abort() };
}
