// What a running job's process tree uses: the TCP ports it listens on, its CPU and its memory
// (issue 11: what pm2 and process-compose show). One pass over /proc per call for all jobs: every
// /proc/PID/stat once (a few ms for ~100 processes), then only the members' fd and status files,
// and /proc/net/tcp{,6} once. Linux only: where /proc is missing, nothing is returned.
//
// A job's tree: its root (the tmux pane's process, verified by its start time against pid reuse),
// every process in the root's process group or session, and their descendants. Processes that
// left both (setsid + reparented to init) are not counted here: kill still finds them by marker
// (process-tree.ts), but reading every process's environ on each call would cost too much.
import { readdir, readFile, readlink } from "node:fs/promises";
import pLimit from "p-limit";
import { addDescendants } from "../procfs.js";

export interface UsageTarget {
  id: string;
  /** The job's root: the tmux pane's process. */
  rootPid?: number | undefined;
  /** Its start time from started.json; a root with another one is a reused pid, not the job's. */
  rootStartTime?: number | undefined;
  /** Older records without a start time: the root is the job's when its argv holds this. */
  rootArgument?: string | undefined;
}

export interface JobUsage {
  /** TCP ports in LISTEN state held by the tree's processes, ascending. */
  ports: number[];
  /** CPU of the whole tree over the sample (100 = one core); undefined without a sample. */
  cpuPercent: number | undefined;
  /** Resident memory of the whole tree (VmRSS summed; shared pages count once per process, as in pm2). */
  rssBytes: number;
  processes: number;
}

export interface UsageOptions {
  /** Where proc is mounted (tests pass a fake one). */
  procDir?: string;
  /** CPU is measured over this many ms (the stat files are read twice); 0 = no CPU figure. */
  cpuSampleMs?: number;
  /** false: no memory figure (rssBytes 0), one file less per process (the sidebar and list need only ports). */
  memory?: boolean;
}

/** The fields of /proc/PID/stat this module needs. */
export interface ProcStat {
  pid: number;
  ppid: number;
  pgrp: number;
  sid: number;
  state: string;
  /** utime + stime, in clock ticks. */
  cpuTicks: number;
  startTime: number;
}

/** What get and ls sample CPU over: long enough for a few 10 ms ticks, short enough to wait for. */
export const CPU_SAMPLE_MS = 200;

/** Linux reports CPU times in USER_HZ ticks, 100 per second on every mainstream architecture. */
const TICKS_PER_SECOND = 100;
const DEAD_STATES = new Set(["Z", "X", "x"]);
const reads = pLimit(64);

/** Parses /proc/PID/stat; the comm may hold spaces and parentheses, so fields start after the LAST ')'. */
export function parseProcStat(text: string): ProcStat | undefined {
  const open = text.indexOf("(");
  const close = text.lastIndexOf(")");
  if (open < 0 || close < open) return undefined;
  const pid = Number(text.slice(0, open).trim());
  // After ')': state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt utime stime ... starttime(19)
  const f = text.slice(close + 1).trim().split(/\s+/);
  const numbers = [f[1], f[2], f[3], f[11], f[12], f[19]].map(Number);
  if (!Number.isInteger(pid) || !f[0] || numbers.some((n) => !Number.isFinite(n))) return undefined;
  const [ppid, pgrp, sid, utime, stime, startTime] = numbers as [number, number, number, number, number, number];
  return { pid, ppid, pgrp, sid, state: f[0], cpuTicks: utime + stime, startTime };
}

/** socket inode -> port of every LISTEN socket in a /proc/net/tcp or tcp6 table. */
export function parseListeningSockets(text: string, into = new Map<string, number>()): Map<string, number> {
  for (const line of text.split("\n").slice(1)) {
    const f = line.trim().split(/\s+/);
    // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
    if (f.length < 10 || f[3] !== "0A") continue; // 0A = TCP_LISTEN
    const port = Number.parseInt(f[1]?.split(":").at(-1) ?? "", 16);
    const inode = f[9];
    if (inode && inode !== "0" && Number.isInteger(port) && port > 0) into.set(inode, port);
  }
  return into;
}

/** The root and every process in its group or session, plus all their descendants. */
export function treeMembers(procs: readonly ProcStat[], rootPid: number): ProcStat[] {
  const members = new Set(procs.filter((p) => p.pid === rootPid || p.pgrp === rootPid || p.sid === rootPid));
  return [...addDescendants(procs, members)];
}

/** Usage of each target's process tree; targets whose root is gone or not theirs are left out. */
export async function readJobUsage(targets: readonly UsageTarget[], options: UsageOptions = {}): Promise<Map<string, JobUsage>> {
  const proc = options.procDir ?? "/proc";
  const out = new Map<string, JobUsage>();
  const withRoot = targets.filter((t) => t.rootPid !== undefined && t.rootPid > 1);
  if (withRoot.length === 0) return out;
  const names = await readdir(proc).catch(() => undefined);
  if (!names) return out; // no /proc: not Linux
  const procs = (await Promise.all(names.filter((n) => /^[0-9]+$/.test(n)).map((n) => readStat(proc, n)))).filter(
    (p): p is ProcStat => p !== undefined && !DEAD_STATES.has(p.state),
  );
  const trees = new Map<string, ProcStat[]>();
  for (const target of withRoot) {
    const root = procs.find((p) => p.pid === target.rootPid);
    if (!root || !(await rootIsTheJobs(proc, root, target))) continue;
    trees.set(target.id, treeMembers(procs, root.pid));
  }
  if (trees.size === 0) return out;
  const sampleMs = options.cpuSampleMs ?? 0;
  const sampleStart = Date.now();
  const [listening, socketsByPid, rssByPid] = await Promise.all([
    Promise.all(["tcp", "tcp6"].map((table) => readFile(`${proc}/net/${table}`, "utf8").catch(() => ""))).then((tables) => {
      const map = new Map<string, number>();
      for (const table of tables) parseListeningSockets(table, map);
      return map;
    }),
    mapPids(trees, (pid) => socketInodes(proc, pid)),
    options.memory === false ? new Map<number, number>() : mapPids(trees, (pid) => residentBytes(proc, pid)),
  ]);
  let after: Map<number, ProcStat | undefined> | undefined;
  let elapsedMs = 0;
  if (sampleMs > 0) {
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, sampleMs - (Date.now() - sampleStart))));
    after = await mapPids(trees, (pid) => readStat(proc, String(pid)));
    elapsedMs = Date.now() - sampleStart;
  }
  for (const [id, members] of trees) {
    const ports = new Set<number>();
    let rssBytes = 0;
    let ticks = 0;
    for (const p of members) {
      for (const inode of socketsByPid.get(p.pid) ?? []) {
        const port = listening.get(inode);
        if (port !== undefined) ports.add(port);
      }
      rssBytes += rssByPid.get(p.pid) ?? 0;
      const later = after?.get(p.pid);
      // Only the same process (same start time) counts; one that ended during the sample adds nothing.
      if (later && later.startTime === p.startTime) ticks += Math.max(0, later.cpuTicks - p.cpuTicks);
    }
    const cpuPercent = after && elapsedMs > 0 ? (ticks / TICKS_PER_SECOND / (elapsedMs / 1000)) * 100 : undefined;
    out.set(id, { ports: [...ports].sort((a, b) => a - b), cpuPercent, rssBytes, processes: members.length });
  }
  return out;
}

async function readStat(proc: string, pid: string): Promise<ProcStat | undefined> {
  return reads(() => readFile(`${proc}/${pid}/stat`, "utf8")).then(parseProcStat, () => undefined);
}

async function rootIsTheJobs(proc: string, root: ProcStat, target: UsageTarget): Promise<boolean> {
  if (target.rootStartTime !== undefined) return root.startTime === target.rootStartTime;
  if (target.rootArgument === undefined) return false;
  const argv = await readFile(`${proc}/${root.pid}/cmdline`, "utf8").catch(() => "");
  return argv.split("\0").includes(target.rootArgument);
}

/** Runs `read` once per member pid of all trees (a pid in two trees is read once). */
async function mapPids<T>(trees: Map<string, ProcStat[]>, read: (pid: number) => Promise<T>): Promise<Map<number, T>> {
  const pids = [...new Set([...trees.values()].flat().map((p) => p.pid))];
  const values = await Promise.all(pids.map(read));
  return new Map(pids.map((pid, i) => [pid, values[i] as T]));
}

/** Inodes of the sockets a process holds open ("socket:[12345]" links in /proc/PID/fd). */
async function socketInodes(proc: string, pid: number): Promise<string[]> {
  const fds = await reads(() => readdir(`${proc}/${pid}/fd`)).catch(() => [] as string[]);
  const links = await Promise.all(fds.map((fd) => reads(() => readlink(`${proc}/${pid}/fd/${fd}`)).catch(() => "")));
  return links.map((link) => /^socket:\[(\d+)\]$/.exec(link)?.[1]).filter((inode): inode is string => inode !== undefined);
}

/** VmRSS from /proc/PID/status in bytes (0 for kernel threads, zombies and the unreadable). */
async function residentBytes(proc: string, pid: number): Promise<number> {
  const status = await reads(() => readFile(`${proc}/${pid}/status`, "utf8")).catch(() => "");
  const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
  return kb ? Number(kb) * 1024 : 0;
}
