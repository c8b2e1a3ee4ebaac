// `opencode-bg wait`: blocks until a job exits, prints a matching line, or opens a port, with the
// same conditions and limits as the waitForProcess tool (core/waiter.ts). The exit code tells a
// script whether the condition was met.
import { InvalidInputError } from "../../core/errors.js";
import { WAIT_LIMITS, type WaitConditionInput } from "../../core/wait/wait-condition.js";
import { waitForJob, type WaitResult } from "../../core/wait/waiter.js";
import { formatDuration } from "../../text/duration.js";
import { formatStatus } from "../../text/status.js";
import { truncate } from "../../text/truncate.js";
import { parseAge, parseCommandArgs, parseCount } from "../args.js";
import type { CliCommand } from "../command.js";
import { UsageError } from "../errors.js";
import { resolveOne } from "../targets.js";

/** Exit codes: met, not met (ended first or timed out), Ctrl-C. */
const WAIT_EXIT = { met: 0, notMet: 1, interrupted: 130 } as const;

export const waitCommand: CliCommand = {
  name: "wait",
  summary: "Wait until a job exits, prints a line matching a pattern, or opens a port",
  help: `Usage: opencode-bg wait <job> [--pattern RE [-i] | --port N] [--timeout AGE]

Block until the job exits (the default), prints an output line matching a regular expression
(RE2 syntax; lines already printed by the current run count), or accepts TCP connections on a
port on 127.0.0.1/::1. Then print what happened and exit 0 when the condition was met (for
the default, when the job completed: exit code 0), 1 when it was not (the job failed or ended
first, or time ran out), 130 on Ctrl-C. <job> is an id, a name or a unique id prefix.

Options:
  --pattern RE        wait for an output line matching RE
  -i, --ignore-case   with --pattern: ignore case
  --port N            wait for a listening TCP port
  --timeout AGE       longest wait, e.g. 30s or 5m (default ${formatDuration(WAIT_LIMITS.timeoutMsDefault)}, at most ${formatDuration(WAIT_LIMITS.timeoutMsMax)})
  -h, --help          show this help

Examples:
  opencode-bg wait build                          # until the build ends; exit 0 if it completed
  opencode-bg wait dev --pattern 'ready in' --timeout 2m
  opencode-bg wait dev --port 5173`,
  async run(args, cli) {
    const { values, positionals } = parseCommandArgs("wait", {
      args,
      allowPositionals: true,
      options: {
        pattern: { type: "string" },
        "ignore-case": { type: "boolean", short: "i" },
        port: { type: "string" },
        timeout: { type: "string" },
      },
    });
    const [target, ...extra] = positionals;
    if (!target || extra.length > 0) throw new UsageError("give exactly one job (id or name)", "wait");
    if (values.pattern !== undefined && values.port !== undefined) throw new UsageError("give --pattern or --port, not both", "wait");
    if (values["ignore-case"] && values.pattern === undefined) throw new UsageError("-i goes with --pattern", "wait");
    let condition: WaitConditionInput = "exit";
    if (values.port !== undefined) {
      const port = parseCount(values.port, "--port", "wait");
      if (port < 1 || port > 65535) throw new UsageError(`--port takes a port from 1 to 65535, got ${port}`, "wait");
      condition = { port };
    } else if (values.pattern !== undefined) {
      condition = { pattern: values.pattern, ignoreCase: values["ignore-case"] === true };
    }
    const timeoutMs = values.timeout === undefined ? WAIT_LIMITS.timeoutMsDefault : Math.round(parseAge(values.timeout, "--timeout", "wait"));
    if (timeoutMs > WAIT_LIMITS.timeoutMsMax) throw new UsageError(`--timeout is at most ${formatDuration(WAIT_LIMITS.timeoutMsMax)}`, "wait");
    const abort = new AbortController();
    const onSignal = () => abort.abort();
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);
    let result: WaitResult;
    try {
      result = await cli.withManager(async (manager) => {
        const job = resolveOne(manager.list(), target, { bin: cli.bin });
        return waitForJob(manager, job.id, condition, { signal: abort.signal, timeoutMs, tailLines: 5 });
      });
    } catch (error) {
      // The core words its checks for the tool's fields: name this command's options instead.
      if (error instanceof InvalidInputError) throw new UsageError(error.message.replace(/until\.pattern/g, "--pattern").replace(/until\.port/g, "--port"), "wait");
      throw error;
    } finally {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    }
    await cli.out.line(describeWait(result));
    if (result.outcome === "aborted") return WAIT_EXIT.interrupted;
    // `wait build && deploy`: waiting for the end is met only by a job that completed.
    const met = result.satisfied && (result.condition.kind !== "exit" || result.job.status === "completed");
    return met ? WAIT_EXIT.met : WAIT_EXIT.notMet;
  },
};

/** One line: what happened, after how long, and the job's state when it did. */
export function describeWait(result: WaitResult): string {
  const who = `${result.job.id} ${result.job.name}`;
  const after = formatDuration(result.waitedMs, { tenths: true });
  switch (result.outcome) {
    case "matched":
      return `${who}: matched line ${result.line?.no} after ${after}: ${truncate(result.line?.text ?? "", 200)}`;
    case "port-open":
      return `${who}: port ${result.condition.kind === "port" ? result.condition.port : "?"} is open on ${result.host ?? "loopback"} after ${after}`;
    case "exited":
      return result.satisfied ? `${who}: ${formatStatus(result.job)} after ${after}` : `${who}: ended before that happened: ${formatStatus(result.job)}`;
    case "timeout":
      return `${who}: timed out after ${after}; the job is ${formatStatus(result.job)}`;
    case "aborted":
      return `${who}: stopped waiting after ${after} (interrupted)`;
  }
}
