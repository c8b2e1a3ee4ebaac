// How a job ended, decided from the evidence on disk and in tmux. Pure, so every instance that
// sees the same files reaches the same verdict.
import os from "node:os";
import type { JobCancel, JobExit, JobOutcome } from "../job/job-files.js";

/** Session processes end with the OpenCode that started them; this is said when that happened. */
export const OWNER_GONE_REASON = "its OpenCode exited, and session processes end with their OpenCode";

export interface EndEvidence {
  exit?: JobExit | undefined;
  cancel?: JobCancel | undefined;
  /** tmux's view of the pane, when the wrapper left no exit.json (it was SIGKILLed, or tmux died). */
  pane?: { dead: boolean; deadStatus?: number | undefined; deadSignal?: number | undefined } | undefined;
  windowGone?: boolean;
  serverGone?: boolean;
  now: number;
}

/** Decides completed / failed / cancelled and a reason a person can read. */
export function decideOutcome(evidence: EndEvidence): JobOutcome {
  const { exit, cancel } = evidence;
  const endedAt = exit?.endedAt ?? evidence.now;
  const exitCode = exit?.exitCode ?? evidence.pane?.deadStatus;
  const signal = signalOf(exit, evidence.pane?.deadSignal);
  const base = { endedAt, ...(exitCode === undefined ? {} : { exitCode }), ...(signal ? { signal } : {}) };

  if (cancel) return { status: "cancelled", ...base, ...(cancel.reason ? { error: cancel.reason } : {}), requested: true };
  if (exit) {
    if (exit.ownerGone) return { status: "cancelled", ...base, error: OWNER_GONE_REASON, requested: true };
    if (exit.interrupted === "INT") return { status: "cancelled", ...base, error: "interrupted with Ctrl-C in its tmux window" };
    if (exit.interrupted === "HUP") {
      return evidence.serverGone
        ? { status: "failed", ...base, error: "the tmux server exited", windowLost: true }
        : { status: "cancelled", ...base, error: "its tmux window was closed", windowLost: true };
    }
    if (exit.exitCode === 0) return { status: "completed", ...base };
    return { status: "failed", ...base, error: signal ? `terminated by ${signal}` : `exited with code ${exit.exitCode}` };
  }
  if (evidence.serverGone) return { status: "failed", ...base, error: "the tmux server exited", windowLost: true };
  if (evidence.windowGone) return { status: "failed", ...base, error: "its tmux window was closed before the process reported an exit status", windowLost: true };
  const how = signal ? `killed by ${signal}` : exitCode !== undefined ? `exit ${exitCode}` : "status unknown";
  return { status: "failed", ...base, error: `the job's wrapper ended without reporting (${how})` };
}

/** bash reports death by signal N as 128+N; tmux reports the signal number itself. */
function signalOf(exit: JobExit | undefined, paneSignal: number | undefined): string | undefined {
  if (paneSignal !== undefined && !exit) return signalName(paneSignal);
  if (exit && exit.exitCode > 128 && exit.exitCode < 128 + 65) return signalName(exit.exitCode - 128);
  return undefined;
}

/** What decides whether a job's end owes its session an exit notice (notifyOnExit). */
export interface ExitNoticeFacts {
  notifyOnExit: boolean;
  sessionId: string | undefined;
  outcome: JobOutcome;
  /** The restart policy restarts this run: the job is not down for good, so no notice yet. */
  restartFollows: boolean;
}

/** The end owes one notice when the job asked for it, has a session, ended by itself and stays down. */
export function owesExitNotice(facts: ExitNoticeFacts): boolean {
  return facts.notifyOnExit && facts.sessionId !== undefined && facts.outcome.requested !== true && !facts.restartFollows;
}

export function signalName(number: number): string | undefined {
  const entry = Object.entries(os.constants.signals).find(([, value]) => value === number);
  return entry?.[0];
}
