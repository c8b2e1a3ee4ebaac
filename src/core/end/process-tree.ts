// Finds and kills every process of one background job, including the ones that escaped the
// tmux pane (nohup, setsid, double-fork, `set -m`); README.md "Guarantees" says what is promised
// and which test in test/safety holds each promise. core/procfs.ts does the /proc reading.
// A process belongs to a job only if it provably does (pids are reused: issue 8):
// - its /proc/PID/environ carries the job's marker;
// - or the job's root (the tmux pane's process) is verified, by its start time recorded when the
//   window started (or, for jobs recorded without one, by its command line naming the job's
//   wrapper), and the process is in the root's process group or session, or was born after the
//   root and holds its terminal (the pane's /dev/pts/N) open: that catches `env -i setsid cmd`
//   and double forks;
// - or its parent is a member (a child that dropped the marker while its parent lives);
// - or it was a member in an earlier round of the same kill (pid + start time unchanged).
// Right before each signal the pid's start time is read again; a changed one is skipped.
// Linux only; Node 20 and Bun 1.3 (no child_process).

import process from "node:process";
import { setTimeout as sleep } from "node:timers/promises";
import {
  addDescendants, DEAD_STATES, describeProcess, fdTargets, isSameProcessAlive, readCmdline, readEnviron, readStartTime, scanProcesses, terminalOf,
  type ProcessIdentity, type ProcessInfo, type ProcessSummary,
} from "../procfs.js";
import { SnapshotSource } from "./proc-snapshot.js";

// What the rest of the core (and the tests) import from here, read from /proc by core/procfs.ts.
export {
  describeProcess, hasEnvMarker, isProcessAlive, isSameProcessAlive, readEnvValues, readStartTime, scanProcesses,
  type ProcessIdentity, type ProcessInfo, type ProcessSummary,
} from "../procfs.js";

/** The environment entry every process of a job inherits, e.g. OPENCODE_BG_JOB=<jobId>. */
export interface EnvMarker {
  name: string;
  value: string;
}

export interface CollectOptions {
  marker: EnvMarker;
  /** The job's root: the tmux pane's process, a session leader (pid = pgid = sid). */
  rootPid?: number;
  /**
   * rootPid's start time (field 22 of /proc/PID/stat) recorded when it started. Its process
   * group, session and terminal count only while a live rootPid has this start time.
   */
  rootStartTime?: number | undefined;
  /**
   * For roots recorded without a start time (older started.json): the root is verified when one
   * of its command-line arguments is exactly this (the job's wrapper script path).
   */
  rootArgument?: string | undefined;
  /** Identities proven in an earlier round: still members while pid and start time match. */
  known?: readonly ProcessIdentity[];
}

export interface KillOptions extends CollectOptions {
  /** How long TERM-ed processes get to exit before SIGKILL. */
  graceMs?: number;
  /** Interval between liveness checks while waiting. */
  pollMs?: number;
}

export interface KillResult {
  /** Pids that SIGTERM was delivered to. */
  signalled: number[];
  /** Pids that needed SIGKILL (ignored TERM, or appeared during the grace period). */
  forced: number[];
  /** Job processes still alive at the end, with their command lines; should be empty. */
  survivors: ProcessSummary[];
  /** Pids we were not permitted to signal (EPERM). */
  denied: number[];
}

/** After SIGKILL: how long to wait for the kernel to finish the processes off. */
const FORCE_WAIT_MS = 1000;
/**
 * After the first TERMs, while any of them lives: when to look again for processes the collect
 * could not see yet (doubling up to the max). Most jobs are gone sooner, so their kill costs no
 * extra collect (a first look at 50 ms caught wrappers still writing their status: the bench's
 * kill went from 27 to 64 ms).
 */
const LOOK_AGAIN_MS = 200;
const LOOK_AGAIN_MAX_MS = 800;
/** Re-collect and SIGKILL at most this often, in case the job keeps forking. */
const FORCE_ROUNDS = 3;

function validate({ marker, rootPid }: CollectOptions): void {
  if (!marker.name || /[=\0]/.test(marker.name)) throw new TypeError(`Invalid env marker name "${marker.name}"`);
  // An empty value would match every process that has the variable set to "".
  if (!marker.value || marker.value.includes("\0")) throw new TypeError("Env marker value must be non-empty");
  if (rootPid !== undefined && (!Number.isInteger(rootPid) || rootPid <= 1)) {
    throw new TypeError(`Invalid rootPid ${rootPid}`);
  }
}

// Our own process and its ancestors: never ours to kill, even if they carry the marker.
function protectedPids(procs: ProcessInfo[]): Set<number> {
  const byPid = new Map(procs.map((p) => [p.pid, p]));
  const out = new Set<number>([process.pid]);
  for (let p = byPid.get(process.pid); p && p.ppid > 0 && !out.has(p.ppid); p = byPid.get(p.ppid)) {
    out.add(p.ppid);
  }
  out.add(process.ppid);
  return out;
}

// Collects share /proc scans (proc-snapshot.ts): a kill of many jobs at once scans once per round
// and reads each process's environ and open fds at most once per round, whatever the job count.
const snapshots = new SnapshotSource({ scan: scanProcesses, environ: readEnviron, fdTargets });

/** All live processes of one job (see the header for what counts); pids only. */
export async function collectJobProcesses(options: CollectOptions): Promise<number[]> {
  return (await collectJobMembers(options)).map((p) => p.pid);
}

/** All live processes of one job, as identities (pid + start time) to signal safely. */
export async function collectJobMembers(options: CollectOptions): Promise<ProcessIdentity[]> {
  validate(options);
  const { marker, rootPid } = options;
  const snapshot = await snapshots.take();
  const procs = snapshot.procs;
  const self = procs.find((p) => p.pid === process.pid);
  const skip = protectedPids(procs);
  const live = procs.filter((p) => !skip.has(p.pid) && !DEAD_STATES.has(p.state));
  const root = rootPid === undefined ? undefined : live.find((p) => p.pid === rootPid);
  // Never widen to our own group or session, whatever rootPid we were handed.
  const ours = root !== undefined && root.pid !== self?.pgrp && root.pid !== self?.sid && (await rootVerified(root, options));
  const verified = ours ? root : undefined;
  const tty = verified ? await terminalOf(verified.pid) : undefined;
  const known = new Map((options.known ?? []).map((p) => [p.pid, p.startTime]));
  const marked = await snapshot.withEnvEntry(marker.name, marker.value);
  const members = new Set<ProcessInfo>();
  const terminalCandidates: ProcessInfo[] = [];
  for (const p of live) {
    if (known.get(p.pid) === p.startTime || marked.has(p.pid)) members.add(p);
    // The root itself, even before it made its session: tmux reports a new pane's pid as soon as
    // it forked, and a kill right after create found the root still in tmux's session and group
    // (tmux 3.2a: 5 kills in 80 signalled nothing and returned "running").
    else if (p === verified) members.add(p);
    else if (verified && (p.pgrp === verified.pid || p.sid === verified.pid)) members.add(p);
    // Only a process born at or after the verified root can hold its terminal as one of the job's:
    // the job's processes descend from the root, and a child's start time is never below its
    // parent's (clock ticks since boot). An older holder of that /dev/pts/N is someone else's (it
    // opened the device, or is an escapee of an earlier run, which the marker still finds). This
    // only narrows who can be a member, and spares reading the open fds of every older process
    // (that was most of a collect's /proc reads).
    else if (tty !== undefined && verified && p.startTime >= verified.startTime) terminalCandidates.push(p);
  }
  if (tty !== undefined) {
    const holds = await Promise.all(terminalCandidates.map((p) => snapshot.holdsFile(p.pid, tty)));
    for (const [i, p] of terminalCandidates.entries()) if (holds[i]) members.add(p);
  }
  // Descendants of members are members: a child that dropped the marker (env -i) and left the
  // session (setsid) is still found while its parent lives.
  addDescendants(live, members);
  return [...members].map((p) => ({ pid: p.pid, startTime: p.startTime }));
}

/** The root is the job's: same start time as recorded, or (old records) its wrapper in argv. */
async function rootVerified(root: ProcessInfo, options: CollectOptions): Promise<boolean> {
  if (options.rootStartTime !== undefined) return root.startTime === options.rootStartTime;
  if (options.rootArgument === undefined) return false;
  return (await readCmdline(root.pid)).includes(options.rootArgument);
}

type SignalOutcome = "sent" | "gone" | "denied";

// The start time is read again right before the signal: a pid that ended and was reused since
// it was collected is skipped. (A reuse within the few microseconds between this read and kill()
// remains possible; Node has no pidfd_send_signal.)
function signal(target: ProcessIdentity, sig: NodeJS.Signals): SignalOutcome {
  if (readStartTime(target.pid) !== target.startTime) return "gone";
  try {
    process.kill(target.pid, sig);
    return "sent";
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "EPERM") return "denied";
    if (code === "ESRCH") return "gone";
    throw err;
  }
}

// Returns as soon as every process is gone (ended, a zombie, or its pid reused: one stat read
// each); first checks come quickly (most processes exit in a few ms after TERM), then every
// pollMs, never past timeoutMs.
async function waitGone(targets: ProcessIdentity[], timeoutMs: number, pollMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let delay = Math.min(5, pollMs);
  let alive = targets;
  for (;;) {
    alive = alive.filter(isSameProcessAlive);
    const left = deadline - Date.now();
    if (alive.length === 0 || left <= 0) return;
    await sleep(Math.min(delay, left));
    delay = Math.min(delay * 2, pollMs);
  }
}

/** Kill a whole job without orphans: TERM, wait up to graceMs, re-collect, KILL the rest. */
export async function killJobProcesses(options: KillOptions): Promise<KillResult> {
  validate(options);
  const graceMs = options.graceMs ?? 3000;
  const pollMs = Math.max(1, options.pollMs ?? 50);
  // Everything proven a member in any round stays one while its pid keeps its start time: the
  // root dies of the TERM, and its group, session and terminal no longer prove anything then.
  const known = new Map<number, ProcessIdentity>();
  const collect = async () => {
    const found = await collectJobMembers({ ...options, known: [...known.values()] });
    for (const p of found) known.set(p.pid, p);
    return found;
  };
  const signalled: ProcessIdentity[] = [];
  const forced = new Set<number>();
  const denied = new Set<number>();

  const wasSignalled = (target: ProcessIdentity) => signalled.some((done) => done.pid === target.pid && done.startTime === target.startTime);
  const terminate = (targets: ProcessIdentity[]) => {
    for (const target of targets) {
      if (wasSignalled(target)) continue;
      const outcome = signal(target, "SIGTERM");
      if (outcome === "sent") signalled.push(target);
      else if (outcome === "denied") denied.add(target.pid);
    }
  };
  const initial = await collect();
  terminate(initial);
  const graceEnds = Date.now() + graceMs;
  // A collect takes a while (tens of ms under load), and a job still starting forks meanwhile:
  // a kill right after create found only the wrapper, whose command then never got a TERM, only
  // the SIGKILL after the whole grace period (one look 50 ms later still missed a child forked
  // after it, 1 kill in 6 rounds of a test in a full npm test). So until the grace period ends,
  // look again whenever the TERM-ed are gone, or less and less often while they live: whoever
  // joined the job meanwhile gets its TERM too. A look that finds nothing new after all are gone
  // is the last (it is the collect the SIGKILL round needs anyway).
  // Re-collecting (rather than reusing `initial`) also spares a pid that died and was reused.
  let rest: ProcessIdentity[] | undefined = initial.length === 0 ? [] : undefined;
  for (let look = LOOK_AGAIN_MS; rest === undefined; look = Math.min(look * 2, LOOK_AGAIN_MAX_MS)) {
    await waitGone(signalled, Math.max(0, Math.min(look, graceEnds - Date.now())), pollMs);
    if (Date.now() >= graceEnds) break;
    const allGone = !signalled.some(isSameProcessAlive);
    const found = await collect();
    // (One we may not signal stays for the SIGKILL round's report, as before.)
    const fresh = found.filter((p) => !wasSignalled(p) && !denied.has(p.pid));
    if (allGone && fresh.length === 0) rest = found;
    else terminate(fresh);
  }
  rest ??= await collect();
  for (let round = 0; rest.length > 0 && round < FORCE_ROUNDS; round++) {
    const killed: ProcessIdentity[] = [];
    for (const target of rest) {
      const outcome = signal(target, "SIGKILL");
      if (outcome === "sent") {
        killed.push(target);
        forced.add(target.pid);
      } else if (outcome === "denied") denied.add(target.pid);
    }
    await waitGone(killed, FORCE_WAIT_MS, pollMs);
    rest = await collect();
    if (killed.length === 0) break; // only EPERM left: retrying will not help
  }
  const survivors = await Promise.all(rest.map((p) => describeProcess(p.pid)));
  return { signalled: signalled.map((p) => p.pid), forced: [...forced], survivors, denied: [...denied] };
}
