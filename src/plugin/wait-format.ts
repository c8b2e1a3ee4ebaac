// A wait's result as compact text for a model: what was waited for, what happened (a match with
// its line number, an open port, the end, or a timeout), then the status and last lines.
import { describeCondition } from "../core/wait/wait-condition.js";
import type { WaitResult } from "../core/wait/waiter.js";
import { formatOutput } from "./format.js";
import { formatDuration } from "../text/duration.js";
import { formatStatus } from "../text/status.js";
import { truncate } from "../text/truncate.js";

/** "0.4s", "12.0s", then "1m05s": short waits are worth tenths. */
export function formatWaited(ms: number): string {
  return formatDuration(ms, { tenths: true });
}

/** The `waited for:` and `result:` lines, shared by waitForProcess and createBackgroundProcess. */
export function formatWaitLines(result: WaitResult): string[] {
  const what = describeCondition(result.condition);
  const after = formatWaited(result.waitedMs);
  const lines = [`waited for: ${what} (up to ${formatWaited(result.timeoutMs)})`];
  switch (result.outcome) {
    case "matched":
      lines.push(`result: matched after ${after}, line ${result.line?.no}: ${truncate(result.line?.text ?? "", 500)}`);
      break;
    case "port-open":
      lines.push(`result: port ${result.condition.kind === "port" ? result.condition.port : "?"} accepts connections on ${result.host} (after ${after})`);
      break;
    case "exited":
      lines.push(result.satisfied
        ? `result: the process ended after ${after}`
        : `result: the process ended before ${what} was seen (after ${after})`);
      break;
    case "timeout":
      lines.push(`result: timed out after ${after}: ${what} not seen yet; the process is ${result.job.status}. Call waitForProcess again to keep waiting.`);
      break;
    case "aborted":
      lines.push(`result: the wait was cancelled after ${after}`);
      break;
  }
  return lines;
}

/** The whole waitForProcess answer. */
export function formatWaitResult(result: WaitResult): string {
  const { job } = result;
  return [
    `id: ${job.id}`,
    `name: ${job.name}`,
    ...formatWaitLines(result),
    `status: ${formatStatus(job)}`,
    ...(job.exitCode !== undefined ? [`exit code: ${job.exitCode}${job.signal ? ` (${job.signal})` : ""}`] : []),
    ...formatOutput(result.tail),
  ].join("\n");
}
