// sendProcessInput: type into a running process's window (answer a prompt, drive a REPL, press
// Ctrl-C) through tmux send-keys, then show what it printed in reply.
import { tool, type ToolDefinition } from "@opencode-ai/plugin";
import type { JobManager } from "../../core/manager.js";
import { INPUT_LIMITS } from "../../core/send-input.js";
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
      "Type into a running background process, as a person at its terminal would: answer a prompt (\"y\"), send a line to a REPL or server console, or press keys such as C-c (interrupt), C-d (end of input), Escape, Up.",
      "text is typed literally, then Enter is pressed (unless enter: false); keys are pressed after the text, in order.",
      `Each text line is at most ${INPUT_LIMITS.lineBytes} bytes. Returns the process status and the output printed right after the input, with the cursor for getBackgroundProcess since.`,
    ].join(" "),
    args: {
      ...processIdArgs,
      text: z.string().max(INPUT_LIMITS.textBytes).optional().describe("Text to type, e.g. \"y\" or \"print(1+1)\". Newlines separate lines."),
      keys: z.array(z.string().min(1).max(32)).max(INPUT_LIMITS.keys).optional().describe("tmux key names pressed after the text, e.g. [\"C-c\"], [\"Up\", \"Enter\"], [\"Escape\"]."),
      enter: z.boolean().optional().describe("Press Enter after the text. Default true when text is given, false otherwise."),
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
  let finish: () => void = () => undefined;
  const done = new Promise<void>((resolve) => {
    let quiet: NodeJS.Timeout | undefined;
    const deadline = setTimeout(stop, REPLY_WAIT_MS);
    const stopLine = manager.on("line", (jobId) => {
      if (jobId !== id) return;
      if (quiet) clearTimeout(quiet);
      quiet = setTimeout(stop, REPLY_QUIET_MS);
    });
    const stopStatus = manager.on("status", (view) => view.id === id && view.status !== "running" && stop());
    function stop() {
      clearTimeout(deadline);
      if (quiet) clearTimeout(quiet);
      stopLine();
      stopStatus();
      resolve();
    }
    finish = stop;
  });
  return { done, cancel: () => finish() };
}
