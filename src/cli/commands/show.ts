// `opencode-bg show`: everything about one job, including why it ended (which `ls` only hints at),
// as aligned "field: value" lines, or as JSON.
import type { JobView } from "../../core/job/job.js";
import { logDiskBytes } from "../../core/output/log-segments.js";
import { formatAttach } from "../../text/attach.js";
import { formatDuration, runtimeOf } from "../../text/duration.js";
import { formatSize } from "../../text/size.js";
import { formatHandleNote } from "../../text/status.js";
import { parseCommandArgs, parseCount } from "../args.js";
import { statusStyle, type Painter } from "../colors.js";
import type { CliCommand } from "../command.js";
import { UsageError } from "../errors.js";
import { resolveOne } from "../targets.js";
import { oneLine } from "../text.js";

const DEFAULT_LINES = 5;

export const showCommand: CliCommand = {
  name: "show",
  summary: "Everything about one job, including why it ended",
  help: `Usage: opencode-bg show <job> [-n N] [--json]

Print every field of one job: status and why it ended (exit code, signal, who killed it),
command, directory, scope, times, restarts, log file and size, how to attach, and its last
output lines. <job> is an id, a name or a unique id prefix.

Options:
  -n, --lines N   how many last output lines to show (default ${DEFAULT_LINES}; 0 for none)
  --json          the job object as JSON (what ls --json gives, for one job)
  -h, --help      show this help

Example:
  opencode-bg show build`,
  async run(args, cli) {
    const { values, positionals } = parseCommandArgs("show", {
      args,
      allowPositionals: true,
      options: { json: { type: "boolean" }, lines: { type: "string", short: "n" } },
    });
    const [target, ...extra] = positionals;
    if (!target || extra.length > 0) throw new UsageError("give exactly one job (id or name)", "show");
    const count = values.lines === undefined ? DEFAULT_LINES : parseCount(values.lines, "-n", "show");
    const details = await cli.withManager(async (manager) => {
      const found = resolveOne(manager.list(), target, { bin: cli.bin });
      await manager.loadOutputs([found.id]);
      const job = manager.get(found.id);
      const output = count > 0 ? await manager.output(job.id, { lines: count }) : undefined;
      const attach = job.windowId ? formatAttach(manager.attachCommand(job.id)) : undefined;
      const logBytes = await logDiskBytes(job.logPath).catch(() => undefined);
      return { job, output, attach, logBytes };
    });
    if (values.json) {
      await cli.out.line(JSON.stringify(details.job, null, 2));
      return 0;
    }
    for (const line of describeJob(details.job, { ...details, now: Date.now(), paint: cli.out.paint, bin: cli.bin })) await cli.out.line(line);
    if (details.output) {
      const lines = [...details.output.lines.map((line) => line.text), ...(details.output.pending ? [details.output.pending] : [])];
      await cli.out.line(lines.length ? `last output:` : "last output: (none)");
      for (const line of lines) await cli.out.line(`  ${oneLine(line)}`);
    }
    return 0;
  },
};

interface Extras {
  attach: string | undefined;
  logBytes: number | undefined;
  now: number;
  paint: Painter;
  bin: string;
}

/** The "field: value" lines of one job, fields without a value left out. */
export function describeJob(job: JobView, extras: Extras): string[] {
  const { now, paint } = extras;
  const ago = (at: number) => `${new Date(at).toISOString()} (${formatDuration(now - at)} ago)`;
  const fields: [string, string | undefined][] = [
    ["id", job.id],
    ["name", job.name],
    ["status", paint(statusStyle(job.status), job.status)],
    ["why it ended", endReason(job)],
    ["exit code", job.exitCode !== undefined ? String(job.exitCode) : undefined],
    ["signal", job.signal],
    ["processes", formatHandleNote(job) || undefined],
    ["log problem", job.logProblem],
    ["command", job.command],
    ["cwd", job.cwd],
    ["project", job.projectDir],
    ["scope", `${job.scope}${job.sessionId ? ` (OpenCode session ${job.sessionId})` : ""}`],
    ["tags", job.tags.length ? job.tags.join(", ") : undefined],
    ["pid", job.pid !== undefined ? String(job.pid) : undefined],
    ["created", ago(job.createdAt)],
    ["started", job.startedAt ? ago(job.startedAt) : "not yet"],
    ["ended", job.endedAt ? ago(job.endedAt) : undefined],
    ["runtime", job.startedAt ? formatDuration(runtimeOf(job, now)) : undefined],
    ["restarts", job.restarts || job.restartPolicy ? `${job.restarts}${job.restartPolicy ? ` (on-failure: ${job.automaticRestarts} of ${job.restartPolicy.maxRestarts} automatic restarts used)` : ""}` : undefined],
    ["notify on exit", job.notifyOnExit ? "yes" : undefined],
    ["log file", `${job.logPath}${extras.logBytes !== undefined ? ` (${formatSize(extras.logBytes)})` : ""}`],
    ["attach", extras.attach ? `${extras.bin} attach ${job.id}   (or: ${extras.attach})` : undefined],
  ];
  const shown = fields.filter((field): field is [string, string] => field[1] !== undefined && field[1] !== "");
  const width = Math.max(...shown.map(([name]) => name.length)) + 1;
  return shown.map(([name, value]) => `${`${name}:`.padEnd(width)} ${oneLine(value)}`);
}

/**
 * Why a job ended, in words: "exited with code 2", "killed with opencode-bg kill", "completed
 * (exit 0)"; undefined while it runs.
 */
export function endReason(job: Pick<JobView, "status" | "error" | "exitCode" | "signal">): string | undefined {
  if (job.status === "running" || job.status === "pending") return undefined;
  if (job.error) return job.error;
  if (job.status === "completed") return "it finished by itself (exit 0)";
  if (job.signal) return `ended by ${job.signal}`;
  return job.exitCode !== undefined ? `exited with code ${job.exitCode}` : job.status;
}
