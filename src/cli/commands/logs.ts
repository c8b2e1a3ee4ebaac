// `opencode-bg logs`: a job's whole log file (not just the in-memory tail the plugin keeps),
// cleaned of terminal escapes or raw, optionally only the last N lines, optionally followed live.
import { watch, type FSWatcher } from "node:fs";
import path from "node:path";
import { TERMINAL_STATUSES } from "../../core/job-files.js";
import type { JobManager } from "../../core/manager.js";
import { formatStatus } from "../../text/status.js";
import { parseCommandArgs, parseCount } from "../args.js";
import type { CliCommand } from "../command.js";
import type { CliContext } from "../context.js";
import { UsageError } from "../errors.js";
import { cleanPrinter, lineStartFromEnd, rawPrinter, readNewBytes, type LogPrinter } from "../log-file.js";

/** Fallback poll while following, in case a file-system event is missed (the log was replaced). */
const FOLLOW_POLL_MS = 250;

/** Prints (and follows) a job's output. */
export const logsCommand: CliCommand = {
  name: "logs",
  summary: "Print a job's output; -f follows it until the job ends",
  help: `Usage: opencode-bg logs <id> [-f] [-n N] [--raw]

Print the job's whole log file as clean text: colours and other terminal escapes removed,
\\r progress redraws resolved. The log on disk keeps the job's newest output, up to the
cap (OPENCODE_BG_MAX_LOG_BYTES, 64 MiB): output.1.log (the older part) then output.log.

Options:
  -n, --lines N   only the last N lines
  -f, --follow    keep printing new lines as they come; stops (exit 0) when the job ends,
                  or on Ctrl-C. A line is printed once it is complete.
  --raw           the bytes exactly as captured from the terminal (escapes included)
  -h, --help      show this help`,
  async run(args, cli) {
    const { values, positionals } = parseCommandArgs("logs", {
      args,
      allowPositionals: true,
      options: {
        follow: { type: "boolean", short: "f" },
        lines: { type: "string", short: "n" },
        raw: { type: "boolean" },
      },
    });
    const [id, ...extra] = positionals;
    if (!id || extra.length > 0) throw new UsageError("give exactly one job id", "logs");
    const count = values.lines === undefined ? undefined : parseCount(values.lines, "-n", "logs");
    const printer = values.raw ? rawPrinter() : cleanPrinter();
    const emit = async (result: string[] | Buffer) => {
      if (Buffer.isBuffer(result)) await cli.out.write(result);
      else for (const line of result) await cli.out.line(line);
    };
    return cli.withManager(async (manager) => {
      const logPath = manager.get(id).logPath;
      let offset = 0;
      if (count === undefined) {
        offset = (await readNewBytes(logPath, 0, (chunk) => emit(printer.push(chunk)))).offset;
      } else if (values.raw) {
        offset = await lineStartFromEnd(logPath, count).catch(() => 0);
        offset = (await readNewBytes(logPath, offset, (chunk) => emit(printer.push(chunk)))).offset;
      } else {
        // Two spare lines: the log usually ends with the wrapper's invisible end marker.
        const collected: string[] = [];
        offset = await lineStartFromEnd(logPath, count + 2).catch(() => 0);
        offset = (await readNewBytes(logPath, offset, async (chunk) => void collected.push(...(printer.push(chunk) as string[])))).offset;
        if (!values.follow) collected.push(...printer.flush());
        await emit(count === 0 ? [] : collected.slice(-count));
      }
      if (!values.follow) {
        await emit(printer.flush());
        return 0;
      }
      return follow({ manager, id, logPath, offset, printer, emit, cli });
    });
  },
};

interface FollowState {
  manager: JobManager;
  id: string;
  logPath: string;
  offset: number;
  printer: LogPrinter;
  emit: (result: string[] | Buffer) => Promise<void>;
  cli: CliContext;
}

/** Prints new output until the job ends (0), Ctrl-C (130) or the job's folder is removed (1). */
async function follow(state: FollowState): Promise<number> {
  const { manager, id, logPath, printer, emit, cli } = state;
  let offset = state.offset;
  let stop: "ended" | "interrupted" | "removed" | undefined;
  let dirty = true;
  let wake: () => void = () => undefined;
  const poke = () => {
    dirty = true;
    wake();
  };
  const finish = (reason: NonNullable<typeof stop>) => {
    stop ??= reason;
    wake();
  };
  const stopStatus = manager.on("status", (view) => {
    if (view.id === id && TERMINAL_STATUSES.includes(view.status)) finish("ended");
  });
  const onSignal = () => finish("interrupted");
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  let watcher: FSWatcher | undefined;
  try {
    // The folder, not the file: a log rotation replaces output.log with a new file.
    watcher = watch(path.dirname(logPath), poke);
    watcher.on("error", () => undefined);
  } catch {
    // No inotify for this file: the poll below still finds new output.
  }
  const timer = setInterval(poke, FOLLOW_POLL_MS);
  const readMore = async () => {
    const result = await readNewBytes(logPath, offset, (chunk) => emit(printer.push(chunk)));
    if (result.truncated) printer.reset();
    offset = result.offset;
  };
  try {
    if (TERMINAL_STATUSES.includes(manager.get(id).status)) finish("ended");
    while (!stop) {
      if (dirty) {
        dirty = false;
        await readMore();
        if (!manager.has(id)) finish("removed");
        continue;
      }
      await new Promise<void>((resolve) => {
        wake = resolve;
        if (dirty || stop) resolve();
      });
    }
    if (stop === "removed") {
      await cli.err.line(`opencode-bg: job ${id} was removed while following it`);
      return 1;
    }
    // The manager reports the end only after the job's last output reached the log.
    await readMore();
    await emit(printer.flush());
    if (stop === "interrupted") return 130;
    await cli.err.line(cli.err.paint("dim", `[job ${id} ${formatStatus(manager.get(id))}]`));
    return 0;
  } finally {
    clearInterval(timer);
    watcher?.close();
    stopStatus();
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}
