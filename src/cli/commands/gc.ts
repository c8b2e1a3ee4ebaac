// `opencode-bg gc`: deletes the folders (logs included) of jobs that finished long enough ago,
// and their leftover dead windows. Running and pending jobs are never touched.
import { formatDuration } from "../../text/duration.js";
import { parseAge, parseCommandArgs } from "../args.js";
import { statusStyle } from "../colors.js";
import type { CliCommand } from "../command.js";
import { UsageError } from "../errors.js";
import { formatSize } from "../../text/size.js";

const DEFAULT_AGE = "7d";

/** Garbage-collects finished jobs through JobManager.removeFinished. */
export const gcCommand: CliCommand = {
  name: "gc",
  summary: "Remove old finished jobs and their logs",
  help: `Usage: opencode-bg gc [--older-than AGE] [--dry-run]

Remove the folders (output logs included) of finished jobs, i.e. completed, failed or
cancelled, that ended more than AGE ago, and close their leftover tmux windows.
Running and pending jobs are never removed.

Options:
  --older-than AGE   e.g. 30s, 15m, 12h, 7d, 2w (default ${DEFAULT_AGE}; 0s = every finished job)
  --dry-run          only print what would be removed
  -h, --help         show this help`,
  async run(args, cli) {
    const { values } = parseCommandArgs("gc", {
      args,
      options: {
        "older-than": { type: "string" },
        "dry-run": { type: "boolean" },
      },
    });
    const olderThanMs = parseAge(values["older-than"] ?? DEFAULT_AGE, "--older-than", "gc");
    if (!Number.isFinite(olderThanMs)) throw new UsageError("--older-than is too large", "gc");
    const dryRun = values["dry-run"] === true;
    const { removed, bytes } = await cli.withManager((manager) => manager.removeFinished({ olderThanMs, dryRun }));
    const now = Date.now();
    const verb = dryRun ? "would remove" : "removed";
    for (const job of removed) {
      const ago = job.endedAt ? `ended ${formatDuration(now - job.endedAt)} ago` : "";
      await cli.out.line(`${verb} ${job.id} ${cli.out.paint(statusStyle(job.status), job.status)}  ${job.name}  ${ago}`.trimEnd());
    }
    const summary = removed.length === 0
      ? `nothing to remove: no finished job ended more than ${values["older-than"] ?? DEFAULT_AGE} ago`
      : `${verb} ${removed.length} job${removed.length === 1 ? "" : "s"}, ${dryRun ? "would free" : "freed"} ${formatSize(bytes)}`;
    await cli.out.line(summary);
    return 0;
  },
};
