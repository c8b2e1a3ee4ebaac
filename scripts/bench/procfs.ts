// Linux /proc readings the figures need: CPU ticks of a process (the tmux server, job
// processes), a process's descendants, and this process's peak RSS, which the kernel tracks
// exactly (VmHWM) so a short spike between two samples is not missed.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { scanProcesses, type ProcessInfo } from "../../src/core/end/process-tree.js";

/** Clock ticks per second for /proc/PID/stat times (usually 100). */
export const CLOCK_TICKS: number = readClockTicks();

function readClockTicks(): number {
  try {
    const value = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim());
    return Number.isFinite(value) && value > 0 ? value : 100;
  } catch {
    return 100;
  }
}

/** utime + stime of one process in ticks; undefined if it is gone. */
export function cpuTicks(pid: number): number | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
    // After the comm: state(0) ppid(1) ... utime(11) stime(12).
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return undefined;
  }
}

/** Every live descendant of `rootPid` (not the root itself), from one /proc scan. */
export async function descendants(rootPid: number, procs?: ProcessInfo[]): Promise<ProcessInfo[]> {
  const all = procs ?? (await scanProcesses());
  const children = new Map<number, ProcessInfo[]>();
  for (const proc of all) {
    const list = children.get(proc.ppid) ?? [];
    list.push(proc);
    children.set(proc.ppid, list);
  }
  const out: ProcessInfo[] = [];
  const queue = [rootPid];
  for (let pid = queue.shift(); pid !== undefined; pid = queue.shift()) {
    for (const child of children.get(pid) ?? []) {
      out.push(child);
      queue.push(child.pid);
    }
  }
  return out.filter((proc) => proc.state !== "Z");
}

/** Summed CPU ticks of a set of pids (those still alive). */
export function sumTicks(pids: readonly number[]): number {
  return pids.reduce((sum, pid) => sum + (cpuTicks(pid) ?? 0), 0);
}

/** Resident set size of any process in bytes, from /proc/PID/status; undefined if gone. */
export function rssOf(pid: number): number | undefined {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Resets this process's peak RSS (VmHWM) to its current RSS; false if the kernel refuses. */
export function resetPeakRss(): boolean {
  try {
    writeFileSync("/proc/self/clear_refs", "5");
    return true;
  } catch {
    return false;
  }
}

/** This process's peak RSS in bytes since start or the last reset. */
export function peakRss(): number | undefined {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Pids whose initial environment has `name=<one of values>`. Reads /proc one process at a time:
 * thousands of parallel reads hit EMFILE, and a failed read must not look like "not ours".
 */
export async function processesWithEnv(name: string, values: ReadonlySet<string>): Promise<number[]> {
  const found: number[] = [];
  const prefix = `${name}=`;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    let environ: string;
    try {
      environ = readFileSync(`/proc/${entry}/environ`, "latin1");
    } catch {
      continue; // gone, or not ours to read
    }
    for (const item of environ.split("\0")) {
      if (item.startsWith(prefix) && values.has(item.slice(prefix.length))) {
        found.push(Number(entry));
        break;
      }
    }
  }
  return found;
}
