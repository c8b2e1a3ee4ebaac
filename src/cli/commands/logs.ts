// `opencode-bg logs`: jobs' whole log files (not just the in-memory tail the plugin keeps),
// cleaned of terminal escapes or raw, optionally only the last N lines, optionally followed live.
// Several jobs at once (names, `all`) print each line after the job's name, like `pm2 logs`.
import { watch, type FSWatcher } from "node:fs";
import path from "node:path";
import { TERMINAL_STATUSES } from "../../core/job/job-files.js";
import type { JobView } from "../../core/job/job.js";
import type { JobManager } from "../../core/manager.js";
import { formatStatus } from "../../text/status.js";
import { displayWidth } from "../../text/truncate.js";
import { parseCommandArgs, parseCount } from "../args.js";
import type { Style } from "../colors.js";
import type { CliCommand } from "../command.js";
import type { CliContext } from "../context.js";
import { CliFailure, UsageError } from "../errors.js";
import { cleanPrinter, lineStartFromEnd, rawPrinter, readNewBytes, type LogPrinter } from "../log-file.js";
import { resolveTargets } from "../targets.js";

/** Fallback poll while following, in case a file-system event is missed (the log was replaced). */
const FOLLOW_POLL_MS = 250;
/** Lines per job when several are shown and -n is not given (pm2 shows 15 too). */
const SEVERAL_DEFAULT_LINES = 15;
const LABEL_STYLES: readonly Style[] = ["cyan", "magenta", "yellow", "blue", "green"];

/** Prints (and follows) jobs' output. */
export const logsCommand: CliCommand = {
  name: "logs",
  summary: "Print jobs' output; -f follows it until they end",
  help: `Usage: opencode-bg logs <job>... [-f] [-n N] [--raw]

Print the job's whole log file as clean text: colours and other terminal escapes removed,
\\r progress redraws resolved. The log on disk keeps the job's newest output, up to the
cap (OPENCODE_BG_MAX_LOG_BYTES, 64 MiB): output.1.log (the older part) then output.log.
A <job> is an id, a name, a unique id prefix, or all. With several jobs each line starts with
its job's name ("dev | ..."), and only the last ${SEVERAL_DEFAULT_LINES} lines of each are printed unless -n is given.

Options:
  -n, --lines N   only the last N lines (of each job)
  -f, --follow    keep printing new lines as they come; stops (exit 0) when the jobs end,
                  or on Ctrl-C. A line is printed once it is complete.
  --raw           the bytes exactly as captured from the terminal (escapes included; one job)
  -h, --help      show this help

Examples:
  opencode-bg logs build -n 50
  opencode-bg logs all -f          # every job, interleaved, each line after its job's name`,
  async run(args, cli) {
    const { values, positionals: targets } = parseCommandArgs("logs", {
      args,
      allowPositionals: true,
      options: {
        follow: { type: "boolean", short: "f" },
        lines: { type: "string", short: "n" },
        raw: { type: "boolean" },
      },
    });
    if (targets.length === 0) throw new UsageError("give a job (id or name), several, or all", "logs");
    const given = values.lines === undefined ? undefined : parseCount(values.lines, "-n", "logs");
    return cli.withManager(async (manager) => {
      const jobs = resolveTargets(manager.list(), targets, { bin: cli.bin });
      if (jobs.length === 0) throw new CliFailure("there are no jobs");
      const several = jobs.length > 1 || targets.includes("all");
      if (several && values.raw) throw new UsageError("--raw prints one job's bytes as they are: give one job", "logs");
      const count = given ?? (several ? SEVERAL_DEFAULT_LINES : undefined);
      const labels = labelsFor(jobs);
      const sources = jobs.map((job, index): Source => {
        const label = several ? `${cli.out.paint(LABEL_STYLES[index % LABEL_STYLES.length] ?? "cyan", labels[index] ?? job.id)} | ` : "";
        return { id: job.id, logPath: job.logPath, offset: 0, printer: values.raw ? rawPrinter() : cleanPrinter(), label, done: false };
      });
      // Ctrl-C is ours from before the first line: a person (or a test) may press it as soon as output shows.
      const interrupt = values.follow ? new Interrupt() : undefined;
      try {
        for (const source of sources) await printStart(source, { count, raw: values.raw === true, follow: values.follow === true, cli });
        if (!interrupt) return 0;
        return await follow(manager, sources, cli, several, interrupt);
      } finally {
        interrupt?.close();
      }
    });
  },
};

/** One job being printed: where its log is read up to and how its bytes become lines. */
interface Source {
  id: string;
  logPath: string;
  offset: number;
  printer: LogPrinter;
  /** "" for a single job, else "name | " (coloured, padded to the longest name). */
  label: string;
  done: boolean;
}

/** Names padded to one width; a name shared by several of the jobs gets its id too. */
function labelsFor(jobs: readonly JobView[]): string[] {
  const texts = jobs.map((job) => (jobs.filter((other) => other.name === job.name).length > 1 ? `${job.name}(${job.id})` : job.name));
  const width = Math.max(...texts.map(displayWidth));
  return texts.map((text) => text + " ".repeat(width - displayWidth(text)));
}

async function emit(source: Source, cli: CliContext, result: string[] | Buffer): Promise<void> {
  if (Buffer.isBuffer(result)) await cli.out.write(result);
  else for (const line of result) await cli.out.line(`${source.label}${line}`);
}

/** Prints what the log holds now (all of it, or its last `count` lines) and remembers where it stopped. */
async function printStart(source: Source, options: { count: number | undefined; raw: boolean; follow: boolean; cli: CliContext }): Promise<void> {
  const { count, raw, follow: following, cli } = options;
  const { logPath, printer } = source;
  if (count === undefined) {
    source.offset = (await readNewBytes(logPath, 0, (chunk) => emit(source, cli, printer.push(chunk)))).offset;
  } else if (raw) {
    const from = await lineStartFromEnd(logPath, count).catch(() => 0);
    source.offset = (await readNewBytes(logPath, from, (chunk) => emit(source, cli, printer.push(chunk)))).offset;
  } else {
    // Two spare lines: the log usually ends with the wrapper's invisible end marker.
    const collected: string[] = [];
    const from = await lineStartFromEnd(logPath, count + 2).catch(() => 0);
    source.offset = (await readNewBytes(logPath, from, async (chunk) => void collected.push(...(printer.push(chunk) as string[])))).offset;
    if (!following) collected.push(...printer.flush());
    await emit(source, cli, count === 0 ? [] : collected.slice(-count));
  }
  if (!following) await emit(source, cli, printer.flush());
}

/**
 * Prints new output until every job has ended (0), Ctrl-C (130) or, for a single job, its
 * folder is removed (1; with several, that job is dropped with a note).
 */
/** SIGINT/SIGTERM seen while following (the default action would exit with no status of ours). */
class Interrupt {
  interrupted = false;
  private listener: () => void = () => undefined;
  private readonly onSignal = () => {
    this.interrupted = true;
    this.listener();
  };
  constructor() {
    process.once("SIGINT", this.onSignal);
    process.once("SIGTERM", this.onSignal);
  }
  /** Calls `listener` on a signal (one listener: the follow loop's wake-up). */
  onInterrupt(listener: () => void): void {
    this.listener = listener;
  }
  close(): void {
    process.off("SIGINT", this.onSignal);
    process.off("SIGTERM", this.onSignal);
  }
}

async function follow(manager: JobManager, sources: Source[], cli: CliContext, several: boolean, interrupt: Interrupt): Promise<number> {
  const byId = new Map(sources.map((source) => [source.id, source]));
  const ending = new Set<string>();
  let dirty = true;
  let wake: () => void = () => undefined;
  const poke = () => {
    dirty = true;
    wake();
  };
  const stopStatus = manager.on("status", (view) => {
    if (byId.has(view.id) && TERMINAL_STATUSES.includes(view.status)) {
      ending.add(view.id);
      poke();
    }
  });
  interrupt.onInterrupt(() => wake());
  const watchers: FSWatcher[] = [];
  for (const dir of new Set(sources.map((source) => path.dirname(source.logPath)))) {
    try {
      // The folder, not the file: a log rotation replaces output.log with a new file.
      const watcher = watch(dir, poke);
      watcher.on("error", () => undefined);
      watchers.push(watcher);
    } catch {
      // No inotify for this folder: the poll below still finds new output.
    }
  }
  const timer = setInterval(poke, FOLLOW_POLL_MS);
  const readMore = async (source: Source) => {
    const result = await readNewBytes(source.logPath, source.offset, (chunk) => emit(source, cli, source.printer.push(chunk)));
    if (result.truncated) source.printer.reset();
    source.offset = result.offset;
  };
  let removed = false;
  try {
    for (const source of sources) if (TERMINAL_STATUSES.includes(manager.get(source.id).status)) ending.add(source.id);
    while (!interrupt.interrupted && sources.some((source) => !source.done)) {
      if (!dirty) {
        await new Promise<void>((resolve) => {
          wake = resolve;
          if (dirty || interrupt.interrupted) resolve();
        });
        continue;
      }
      dirty = false;
      for (const source of sources) {
        if (source.done || interrupt.interrupted) continue;
        await readMore(source);
        if (!manager.has(source.id)) {
          source.done = true;
          removed = true;
          await emit(source, cli, source.printer.flush());
          await cli.err.line(`opencode-bg: job ${source.id} was removed while following it`);
        } else if (ending.has(source.id)) {
          // The manager reports the end only after the job's last output reached the log.
          await readMore(source);
          await emit(source, cli, source.printer.flush());
          source.done = true;
          await cli.err.line(cli.err.paint("dim", `${source.label}[job ${source.id} ${formatStatus(manager.get(source.id))}]`));
        }
      }
    }
    if (interrupt.interrupted) {
      for (const source of sources) {
        if (source.done) continue;
        await readMore(source).catch(() => undefined);
        await emit(source, cli, source.printer.flush());
      }
      return 130;
    }
    return removed && !several ? 1 : 0;
  } finally {
    clearInterval(timer);
    for (const watcher of watchers) watcher.close();
    stopStatus();
  }
}
