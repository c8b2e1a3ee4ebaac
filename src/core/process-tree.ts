// Finds and kills every process of one background job, including the ones that escaped the
// tmux pane (nohup, setsid, double-fork, `set -m`): see docs/tmux.md "Killing without orphans".
// A job's processes are its pane's process group and session plus every process whose
// /proc/PID/environ carries the job's marker. Linux only; Node 20 and Bun 1.3 (no child_process).

import { readdir, readFile } from "node:fs/promises";
import { readFileSync } from "node:fs";
import process from "node:process";
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
  /** Job processes still alive at the end; should be empty. */
  survivors: number[];
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

/** All live processes of one job: pgid/sid of rootPid, plus everything carrying the marker. */
export async function collectJobProcesses(options: CollectOptions): Promise<number[]> {
  validate(options);
  const { marker, rootPid } = options;
  const procs = await scanProcesses();
  const self = procs.find((p) => p.pid === process.pid);
  const skip = protectedPids(procs);
  // The kernel does not reuse a pid while it still names a process group or session, so
  // members whose pgid/sid is rootPid belong to the job even after the root itself exited.
  // Never widen to our own group or session, though, whatever rootPid we were handed.
  const byRoot = rootPid !== undefined && rootPid !== self?.pgrp && rootPid !== self?.sid;
  const matches = await Promise.all(
    procs.map(async (p) => {
      if (skip.has(p.pid) || DEAD_STATES.has(p.state)) return false;
      if (byRoot && (p.pgrp === rootPid || p.sid === rootPid)) return true;
      return hasEnvMarker(p.pid, marker.name, marker.value);
    }),
  );
  return procs.filter((_, i) => matches[i]).map((p) => p.pid);
}

type SignalOutcome = "sent" | "gone" | "denied";

function signal(pid: number, sig: NodeJS.Signals): SignalOutcome {
  try {
    process.kill(pid, sig);
    return "sent";
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "EPERM") return "denied";
    if (code === "ESRCH") return "gone";
    throw err;
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

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
  const collect = () => collectJobProcesses({ marker: options.marker, rootPid: options.rootPid });
  const signalled: number[] = [];
  const forced = new Set<number>();
  const denied = new Set<number>();

  const initial = await collect();
  for (const pid of initial) {
    const outcome = signal(pid, "SIGTERM");
    if (outcome === "sent") signalled.push(pid);
    else if (outcome === "denied") denied.add(pid);
  }
  await waitGone(signalled, graceMs, pollMs);

  // Re-collect rather than reuse `initial`: children forked meanwhile get caught, and a pid
  // that died and was reused by an unrelated process no longer matches, so it is spared.
  let rest = initial.length === 0 ? [] : await collect();
  for (let round = 0; rest.length > 0 && round < FORCE_ROUNDS; round++) {
    const killed: number[] = [];
    for (const pid of rest) {
      const outcome = signal(pid, "SIGKILL");
      if (outcome === "sent") {
        killed.push(pid);
        forced.add(pid);
      } else if (outcome === "denied") denied.add(pid);
    }
    await waitGone(killed, FORCE_WAIT_MS, pollMs);
    rest = await collect();
    if (killed.length === 0) break; // only EPERM left: retrying will not help
  }
  return { signalled, forced: [...forced], survivors: rest, denied: [...denied] };
}
