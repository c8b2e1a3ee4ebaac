// `opencode-bg send`: types into a running job's window as if a person did: text (then Enter)
// and/or named keys such as C-c or Up, and says what it typed.
import { isValidKeyName } from "../../core/input/send-input.js";
import { truncate } from "../../text/truncate.js";
import { parseCommandArgs } from "../args.js";
import type { CliCommand } from "../command.js";
import { CliFailure, UsageError } from "../errors.js";
import { resolveTargets } from "../targets.js";

/** Sends text and keys to a job through tmux send-keys. */
export const sendCommand: CliCommand = {
  name: "send",
  summary: "Type text or keys into a running job",
  help: `Usage: opencode-bg send <job> <text...> [--no-enter]
       opencode-bg send <job> --key K [--key K]...

Type into the job's window as if at its keyboard. The words of <text> are joined with spaces
and typed literally, then Enter is pressed. Named keys come after the text. <job> is an id, a
name, a unique id prefix, or all (every running job). Prints what was typed.

Options:
  --no-enter     do not press Enter after the text
  --key K        press a named tmux key, e.g. C-c (interrupt), C-d (end of input), Up, Escape
                 (repeatable)
  -h, --help     show this help

Examples:
  opencode-bg send dev rs            # types "rs" and Enter into the job named dev
  opencode-bg send dev --key C-c     # interrupts it
Put -- before text that starts with "-":  opencode-bg send <job> -- --yes`,
  async run(args, cli) {
    const { values, positionals } = parseCommandArgs("send", {
      args,
      allowPositionals: true,
      options: {
        "no-enter": { type: "boolean" },
        key: { type: "string", multiple: true },
      },
    });
    const [target, ...words] = positionals;
    if (!target) throw new UsageError("give a job (id or name), then the text to type (or --key K)", "send");
    const keys = values.key ?? [];
    const text = words.join(" ");
    if (words.length === 0 && keys.length === 0) throw new UsageError("nothing to send: give text, or --key K", "send");
    // Checked here so the message speaks of this command's words and options, not the tool's fields.
    for (const key of keys) {
      if (!isValidKeyName(key)) throw new UsageError(`--key ${JSON.stringify(key)} is not a key name: use tmux names such as C-c, C-d, Enter, Escape, Tab, Up, PageUp, F5, M-x, or one character; text to type goes without --key`, "send");
    }
    if (/[\u0000-\u001f\u007f]/.test(text)) throw new UsageError("the text contains a control character; press control keys with --key, e.g. --key C-c", "send");
    const enter = words.length > 0 && !values["no-enter"];
    const sent = await cli.withManager(async (manager) => {
      const all = target === "all";
      const jobs = resolveTargets(all ? manager.list({ status: ["running"] }) : manager.list(), [target], { bin: cli.bin });
      if (all && jobs.length === 0) throw new CliFailure("no job is running: nothing to type into");
      for (const job of jobs) {
        if (job.status !== "running") {
          throw new CliFailure(`${job.id} (${job.name}) is ${job.status}; only a running job takes input (start it again with: ${cli.bin} restart ${job.id})`);
        }
        await manager.send(job.id, { ...(text ? { text } : {}), keys, enter });
      }
      return jobs;
    });
    const what = [...(text ? [JSON.stringify(truncate(text, 200))] : []), ...keys, ...(enter ? ["Enter"] : [])].join(" + ");
    for (const job of sent) await cli.out.line(`sent ${what} to ${job.id} (${job.name})`);
    return 0;
  },
};
