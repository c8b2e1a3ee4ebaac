// Blocks until a job exits, prints a line matching a pattern, or opens a TCP port on loopback,
// and says which happened (or that time ran out, or the caller gave up). Built on the manager's
// `line` and `status` events: the log is never polled. Only the port check polls, by design.
import { TERMINAL_STATUSES } from "../job/job-files.js";
import type { JobView } from "../job/job.js";
import type { JobManager, OutputRead } from "../manager.js";
import { probeLoopbackPort, type LoopbackHost } from "./port-probe.js";
import type { NumberedLine } from "../output/ring-buffer.js";
import { lineMatches, parseWaitCondition, parseWaitTimeout, type WaitCondition, type WaitConditionInput } from "./wait-condition.js";

/** Tunables of one wait; only `signal` and `timeoutMs` matter to most callers. */
export interface WaitOptions {
  /** Gives up (result "aborted") when this signal fires, e.g. a cancelled tool call. */
  signal?: AbortSignal | undefined;
  /** Default 60 s, at most 10 min (see WAIT_LIMITS). */
  timeoutMs?: number | undefined;
  /** How many of the last output lines the result carries. Default 10. */
  tailLines?: number | undefined;
  /** Pause between port checks. Default 200 ms. */
  portIntervalMs?: number | undefined;
  /**
   * First output line a pattern may match. Default: the current run's first line, so after a
   * restart the previous run's output does not count; 1 searches the whole log.
   */
  since?: number | undefined;
}

/**
 * - matched: a line satisfied the pattern (`line`); it may have been printed before the wait began.
 * - port-open: the port accepted a connection on `host`.
 * - exited: the job has ended; for "exit" that is what was asked, for a pattern or port it means
 *   the job ended before the condition was met (`satisfied` says which).
 * - timeout / aborted: nothing happened in time / the caller gave up. Not errors.
 */
export type WaitOutcome = "matched" | "port-open" | "exited" | "timeout" | "aborted";

/** Everything a caller needs to tell a model what happened, without another call. */
export interface WaitResult {
  outcome: WaitOutcome;
  /** True when the condition asked for was met. */
  satisfied: boolean;
  condition: WaitCondition;
  job: JobView;
  waitedMs: number;
  timeoutMs: number;
  line?: NumberedLine;
  host?: LoopbackHost;
  /** The last `tailLines` output lines when the wait ended. */
  tail: OutputRead;
}

type Ending = { outcome: WaitOutcome; line?: NumberedLine; host?: LoopbackHost };

/**
 * Waits for `condition` on job `id`. A pattern is checked against the current run's output
 * already kept in memory (the ring buffer: the last 2000 lines / 1 MiB) and every line after it,
 * so a server that already said "listening" answers at once (but not a run before a restart). Complete lines only: an unfinished last line (a prompt
 * without a newline) is not matched. Unknown ids and invalid conditions throw before waiting.
 */
export async function waitForJob(
  manager: JobManager,
  id: string,
  condition: WaitCondition | WaitConditionInput,
  options: WaitOptions = {},
): Promise<WaitResult> {
  const parsed = parseWaitCondition(condition);
  const timeoutMs = parseWaitTimeout(options.timeoutMs);
  const since = Math.max(1, Math.floor(options.since ?? manager.runFirstLine(id)));
  const startedAt = Date.now();
  let ending = await race(manager, id, parsed, timeoutMs, options, since);
  // A job's end is announced after its last output is read, but re-check the kept lines once:
  // a pattern printed in the very last moment still counts as seen.
  if (ending.outcome === "exited" && parsed.kind === "pattern") {
    const line = firstMatch(parsed, (await manager.output(id, { since })).lines);
    if (line) ending = { outcome: "matched", line };
  }
  const tail = await manager.output(id, { lines: Math.max(0, options.tailLines ?? 10) });
  const satisfied = ending.outcome === "matched" || ending.outcome === "port-open" || (ending.outcome === "exited" && parsed.kind === "exit");
  return {
    ...ending,
    satisfied,
    condition: parsed,
    job: manager.get(id),
    waitedMs: Date.now() - startedAt,
    timeoutMs,
    tail,
  };
}

function race(manager: JobManager, id: string, condition: WaitCondition, timeoutMs: number, options: WaitOptions, since: number): Promise<Ending> {
  const startedAt = Date.now();
  return new Promise<Ending>((resolve, reject) => {
    const cleanups: (() => void)[] = [];
    let finished = false;
    const finish = (ending: Ending) => {
      if (finished) return;
      finished = true;
      for (const cleanup of cleanups) cleanup();
      resolve(ending);
    };
    const fail = (error: unknown) => {
      if (finished) return;
      finished = true;
      for (const cleanup of cleanups) cleanup();
      reject(error);
    };

    const signal = options.signal;
    if (signal?.aborted) return finish({ outcome: "aborted" });
    const onAbort = () => finish({ outcome: "aborted" });
    signal?.addEventListener("abort", onAbort, { once: true });
    cleanups.push(() => signal?.removeEventListener("abort", onAbort));

    // Until the output already kept has been searched, events only collect candidates, so the
    // earliest matching line wins and an exit cannot overtake a match already printed.
    let initial = true;
    let early: NumberedLine | undefined;
    let exitedEarly = false;
    cleanups.push(manager.on("status", (view) => {
      if (view.id !== id || !TERMINAL_STATUSES.includes(view.status)) return;
      if (initial) exitedEarly = true;
      else finish({ outcome: "exited" });
    }));
    if (condition.kind === "pattern") {
      cleanups.push(manager.on("line", (jobId, text, no) => {
        if (jobId !== id || no < since || !lineMatches(condition, text)) return;
        if (!initial) return finish({ outcome: "matched", line: { no, text } });
        if (!early || no < early.no) early = { no, text };
      }));
    }

    void (async () => {
      if (condition.kind === "pattern") {
        const kept = firstMatch(condition, (await manager.output(id, { since })).lines);
        const best = kept && (!early || kept.no <= early.no) ? kept : early;
        if (best) return finish({ outcome: "matched", line: best });
      }
      if (condition.kind === "port" && manager.get(id).status === "running") {
        const host = await probeLoopbackPort(condition.port);
        if (host) return finish({ outcome: "port-open", host });
      }
      initial = false;
      if (exitedEarly || TERMINAL_STATUSES.includes(manager.get(id).status)) return finish({ outcome: "exited" });
      if (finished) return;
      const timer = setTimeout(() => finish({ outcome: "timeout" }), Math.max(0, timeoutMs - (Date.now() - startedAt)));
      cleanups.push(() => clearTimeout(timer));
      if (condition.kind === "port") pollPort(condition.port, options.portIntervalMs ?? 200, () => finished, (host) => finish({ outcome: "port-open", host }), cleanups);
    })().catch(fail);
  });
}

/** Checks the port every `intervalMs` (one attempt at a time) until it opens or the wait ends. */
function pollPort(port: number, intervalMs: number, isFinished: () => boolean, onOpen: (host: LoopbackHost) => void, cleanups: (() => void)[]): void {
  let timer: NodeJS.Timeout | undefined;
  cleanups.push(() => clearTimeout(timer));
  const next = () => {
    timer = setTimeout(() => {
      void probeLoopbackPort(port).then((host) => {
        if (isFinished()) return;
        if (host) onOpen(host);
        else next();
      });
    }, intervalMs);
  };
  next();
}

function firstMatch(condition: Extract<WaitCondition, { kind: "pattern" }>, lines: readonly NumberedLine[]): NumberedLine | undefined {
  return lines.find((line) => lineMatches(condition, line.text));
}
