// Finds and kills every process of one background job, including the ones that escaped the
// tmux pane (nohup, setsid, double-fork, `set -m`): see docs/tmux.md "Killing without orphans".
// A process belongs to a job only if it provably does (pids are reused: issue 8):
// - its /proc/PID/environ carries the job's marker;
// - or the job's root (the tmux pane's process) is verified, by its start time recorded when the
//   window started (or, for jobs recorded without one, by its command line naming the job's
//   wrapper), and the process is in the root's process group or session, or holds the root's
//   terminal (the pane's /dev/pts/N) open: that catches `env -i setsid cmd` and double forks;
// - or its parent is a member (a child that dropped the marker while its parent lives);
// - or it was a member in an earlier round of the same kill (pid + start time unchanged).
// Right before each signal the pid's start time is read again; a changed one is skipped.
// Linux only; Node 20 and Bun 1.3 (no child_process).

import { readdir, readFile, readlink } from "node:fs/promises";
import { readFileSync } from "node:fs";
import process from "node:process";
import { setTimeout as sleep } from "node:timers/promises";
import pLimit from "p-limit";

// Every /proc read in this process goes through one limiter: many jobs killed at once would
// otherwise open thousands of files together and run out of descriptors (EMFILE).
const procReads = pLimit(64);

/** Errors that mean "this process is gone or not ours to read": anything else is a real fault. */
function isVanished(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === "ENOENT" || code === "ESRCH" || code === "EACCES" || code === "EPERM";
}

export interface ProcessInfo {
  pid: number;
  ppid: number;
  pgrp: number;
  sid: number;
  /** One letter from /proc/PID/stat: R, S, D, Z (zombie), T, X (dead), ... */
  state: string;
  comm: string;
  /** Clock ticks after boot; with pid, identifies a process across pid reuse. */
  startTime: number;
}

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

/** A process at one moment: pid plus start time, which together survive pid reuse. */
export interface ProcessIdentity {
  pid: number;
  startTime: number;
}

/** A process named for a person: pid and command line. */
export interface ProcessSummary {
  pid: number;
  command: string;
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

const DEAD_STATES = new Set(["Z", "X", "x"]);
/** After SIGKILL: how long to wait for the kernel to finish the processes off. */
const FORCE_WAIT_MS = 1000;
/** Re-collect and SIGKILL at most this often, in case the job keeps forking. */
const FORCE_ROUNDS = 3;

// Pure parser, so a comm like "a) b (c" cannot shift the fields: they start after the LAST ')'.
function parseStat(text: string): ProcessInfo | undefined {
  const open = text.indexOf("(");
  const close = text.lastIndexOf(")");
  if (open < 0 || close < open) return undefined;
  const pid = Number(text.slice(0, open).trim());
  const comm = text.slice(open + 1, close);
  // After ')': state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt
  // utime stime cutime cstime priority nice num_threads itrealvalue starttime ...
  const f = text.slice(close + 1).trim().split(" ");
  const state = f[0];
  const ppid = Number(f[1]);
  const pgrp = Number(f[2]);
  const sid = Number(f[3]);
  const startTime = Number(f[19]);
  if (state === undefined || !Number.isInteger(pid) || !Number.isInteger(ppid)) return undefined;
  if (!Number.isInteger(pgrp) || !Number.isInteger(sid)) return undefined;
  return { pid, ppid, pgrp, sid, state, comm, startTime: Number.isFinite(startTime) ? startTime : 0 };
}

async function readStat(pid: number): Promise<ProcessInfo | undefined> {
  try {
    return parseStat(await procReads(() => readFile(`/proc/${pid}/stat`, "utf8")));
  } catch (error) {
    if (isVanished(error)) return undefined; // vanished between readdir and read: a normal race
    throw error;
  }
}

/** One pass over /proc; the job manager and the killer both build on it. */
export async function scanProcesses(): Promise<ProcessInfo[]> {
  const names = await readdir("/proc");
  const pids = names.filter((n) => /^[0-9]+$/.test(n)).map(Number);
  const infos = await Promise.all(pids.map(readStat));
  return infos.filter((p): p is ProcessInfo => p !== undefined);
}

/** Exact `NAME=VALUE` entry match in a process's initial environment; false if unreadable. */
export async function hasEnvMarker(pid: number, name: string, value: string): Promise<boolean> {
  let env: Buffer;
  try {
    env = await procReads(() => readFile(`/proc/${pid}/environ`));
  } catch (error) {
    if (isVanished(error)) return false; // gone, another user's, or non-dumpable
    throw error;
  }
  const needle = Buffer.from(`${name}=${value}`);
  let start = 0;
  while (start < env.length) {
    let end = env.indexOf(0, start);
    if (end < 0) end = env.length;
    if (end - start === needle.length && env.compare(needle, 0, needle.length, start, end) === 0) return true;
    start = end + 1;
  }
  return false;
}

/** The values of `names` in a process's initial environment (absent names are left out); {} if unreadable. */
export async function readEnvValues(pid: number, names: readonly string[]): Promise<Record<string, string>> {
  let env: Buffer;
  try {
    env = await procReads(() => readFile(`/proc/${pid}/environ`));
  } catch (error) {
    if (isVanished(error)) return {};
    throw error;
  }
  const out: Record<string, string> = {};
  for (const entry of env.toString("utf8").split("\0")) {
    const eq = entry.indexOf("=");
    if (eq <= 0) continue;
    const name = entry.slice(0, eq);
    if (names.includes(name)) out[name] = entry.slice(eq + 1);
  }
  return out;
}

/** Whether this exact process (pid + start time) is still alive; cheap (one stat read). */
export function isSameProcessAlive(target: ProcessIdentity): boolean {
  return readStartTime(target.pid) === target.startTime;
}

/** Cheap liveness check for the job manager: kill(pid, 0), EPERM = alive, zombie = dead. */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  try {
    const info = parseStat(readFileSync(`/proc/${pid}/stat`, "utf8"));
    return info === undefined || !DEAD_STATES.has(info.state);
  } catch {
    return false; // kill() saw it a moment ago; /proc says it is gone now
  }
}

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

/** All live processes of one job (see the header for what counts); pids only. */
export async function collectJobProcesses(options: CollectOptions): Promise<number[]> {
  return (await collectJobMembers(options)).map((p) => p.pid);
}

/** All live processes of one job, as identities (pid + start time) to signal safely. */
export async function collectJobMembers(options: CollectOptions): Promise<ProcessIdentity[]> {
  validate(options);
  const { marker, rootPid } = options;
  const procs = await scanProcesses();
  const self = procs.find((p) => p.pid === process.pid);
  const skip = protectedPids(procs);
  const live = procs.filter((p) => !skip.has(p.pid) && !DEAD_STATES.has(p.state));
  const root = rootPid === undefined ? undefined : live.find((p) => p.pid === rootPid);
  // Never widen to our own group or session, whatever rootPid we were handed.
  const byRoot = root !== undefined && root.pid !== self?.pgrp && root.pid !== self?.sid && (await rootVerified(root, options));
  const tty = byRoot ? await terminalOf(root.pid) : undefined;
  const known = new Map((options.known ?? []).map((p) => [p.pid, p.startTime]));
  const matches = await Promise.all(
    live.map(async (p) => {
      if (known.get(p.pid) === p.startTime) return true;
      if (byRoot && (p.pgrp === root.pid || p.sid === root.pid)) return true;
      if (await hasEnvMarker(p.pid, marker.name, marker.value)) return true;
      return tty !== undefined && (await holdsFile(p.pid, tty));
    }),
  );
  const members = new Set(live.filter((_, i) => matches[i]));
  // Descendants of members are members: a child that dropped the marker (env -i) and left the
  // session (setsid) is still found while its parent lives.
  const children = new Map<number, ProcessInfo[]>();
  for (const p of live) {
    const siblings = children.get(p.ppid);
    if (siblings) siblings.push(p);
    else children.set(p.ppid, [p]);
  }
  const queue = [...members];
  for (let p = queue.pop(); p; p = queue.pop()) {
    for (const child of children.get(p.pid) ?? []) {
      if (members.has(child)) continue;
      members.add(child);
      queue.push(child);
    }
  }
  return [...members].map((p) => ({ pid: p.pid, startTime: p.startTime }));
}

/** The root is the job's: same start time as recorded, or (old records) its wrapper in argv. */
async function rootVerified(root: ProcessInfo, options: CollectOptions): Promise<boolean> {
  if (options.rootStartTime !== undefined) return root.startTime === options.rootStartTime;
  if (options.rootArgument === undefined) return false;
  return (await readCmdline(root.pid)).includes(options.rootArgument);
}

/** The pane's terminal, as the root holds it on stdin: "/dev/pts/N", or undefined. */
async function terminalOf(pid: number): Promise<string | undefined> {
  const target = await readlink(`/proc/${pid}/fd/0`).catch(() => undefined);
  return target && /^\/dev\/pts\/[0-9]+$/.test(target) ? target : undefined;
}

/** Whether any of the process's open files is `file`; false if unreadable. */
async function holdsFile(pid: number, file: string): Promise<boolean> {
  let fds: string[];
  try {
    fds = await procReads(() => readdir(`/proc/${pid}/fd`));
  } catch (error) {
    if (isVanished(error)) return false;
    throw error;
  }
  for (const fd of fds) {
    const target = await procReads(() => readlink(`/proc/${pid}/fd/${fd}`)).catch(() => undefined);
    if (target === file) return true;
  }
  return false;
}

/** argv of a process ([] if gone or unreadable). */
async function readCmdline(pid: number): Promise<string[]> {
  const text = await procReads(() => readFile(`/proc/${pid}/cmdline`, "utf8")).catch(() => "");
  return text.split("\0").filter((arg, i, all) => arg !== "" || i < all.length - 1);
}

/** The start time of a live process (field 22 of /proc/PID/stat), or undefined if it is gone. */
export function readStartTime(pid: number): number | undefined {
  try {
    const info = parseStat(readFileSync(`/proc/${pid}/stat`, "utf8"));
    return info && !DEAD_STATES.has(info.state) ? info.startTime : undefined;
  } catch {
    return undefined;
  }
}

/** pid and command line ("sleep 300"), or the kernel's short name when argv is unreadable. */
export async function describeProcess(pid: number): Promise<ProcessSummary> {
  const argv = await readCmdline(pid);
  if (argv.length > 0) return { pid, command: argv.join(" ") };
  const info = await readStat(pid).catch(() => undefined);
  return { pid, command: info ? `[${info.comm}]` : "?" };
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

// Returns as soon as every pid is dead; first checks come quickly (most processes exit in
// a few ms after TERM), then every pollMs, never past timeoutMs.
async function waitGone(pids: number[], timeoutMs: number, pollMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let delay = Math.min(5, pollMs);
  let alive = pids;
  for (;;) {
    alive = alive.filter(isProcessAlive);
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
  const signalled: number[] = [];
  const forced = new Set<number>();
  const denied = new Set<number>();

  const initial = await collect();
  for (const target of initial) {
    const outcome = signal(target, "SIGTERM");
    if (outcome === "sent") signalled.push(target.pid);
    else if (outcome === "denied") denied.add(target.pid);
  }
  await waitGone(signalled, graceMs, pollMs);

  // Re-collect rather than reuse `initial`: children forked meanwhile get caught, and a pid
  // that died and was reused by an unrelated process no longer matches, so it is spared.
  let rest = initial.length === 0 ? [] : await collect();
  for (let round = 0; rest.length > 0 && round < FORCE_ROUNDS; round++) {
    const killed: number[] = [];
    for (const target of rest) {
      const outcome = signal(target, "SIGKILL");
      if (outcome === "sent") {
        killed.push(target.pid);
        forced.add(target.pid);
      } else if (outcome === "denied") denied.add(target.pid);
    }
    await waitGone(killed, FORCE_WAIT_MS, pollMs);
    rest = await collect();
    if (killed.length === 0) break; // only EPERM left: retrying will not help
  }
  const survivors = await Promise.all(rest.map((p) => describeProcess(p.pid)));
  return { signalled, forced: [...forced], survivors, denied: [...denied] };
}
