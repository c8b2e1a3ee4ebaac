// `opencode-bg send`: types into a running job's window as if a person did: text (then Enter)
// and/or named keys such as C-c or Up.
import { parseCommandArgs } from "../args.js";
import type { CliCommand } from "../command.js";
import { UsageError } from "../errors.js";

/** Sends text and keys to a job through tmux send-keys. */
export const sendCommand: CliCommand = {
  name: "send",
  summary: "Type text or keys into a running job",
  help: `Usage: opencode-bg send <id> <text...> [--no-enter]
       opencode-bg send <id> --key K [--key K]...

Type into the job's window as if at its keyboard. The words of <text> are joined with spaces
and typed literally, then Enter is pressed. Named keys come after the text.

Options:
  --no-enter     do not press Enter after the text
  --key K        press a named tmux key, e.g. C-c (interrupt), C-d (end of input), Up, Escape
                 (repeatable)
  -h, --help     show this help

Put -- before text that starts with "-":  opencode-bg send <id> -- --yes`,
  async run(args, cli) {
    const { values, positionals } = parseCommandArgs("send", {
      args,
      allowPositionals: true,
      options: {
        "no-enter": { type: "boolean" },
        key: { type: "string", multiple: true },
      },
    });
    const [id, ...words] = positionals;
    if (!id) throw new UsageError("give a job id, then the text to type (or --key K)", "send");
    const keys = values.key ?? [];
    const text = words.join(" ");
    if (words.length === 0 && keys.length === 0) throw new UsageError("nothing to send: give text, or --key K", "send");
    const enter = words.length > 0 && !values["no-enter"];
    await cli.withManager((manager) => manager.send(id, { ...(text ? { text } : {}), keys, enter }));
    return 0;
  },
};
