// One pass over /proc for the processes of a state dir's jobs, found by their env markers, so no
// process is left without a handle (issue 8 item 6): a job folder deleted while its processes
// ran, or a job that ended when its window or tmux server went away while processes that ignore
// SIGHUP live on. Runs once when a manager opens and when a job loses its window; never per list.
// It reads every process's environ once (synchronously, see markedEnvironments).
import { readdirSync, readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { describeProcess, environValues, readStartTime, type ProcessIdentity, type ProcessSummary } from "../procfs.js";
import { JOB_MARKER_VARIABLE, STATE_MARKER_VARIABLE } from "../launch/wrapper.js";

export interface MarkedProcess extends ProcessIdentity, ProcessSummary {
  /** The state dir the process names, or undefined for jobs started before the state marker existed. */
  stateDir: string | undefined;
  /** When it started (ms since the epoch; from boot time and its start time in clock ticks). */
  startedAt: number;
}

/** Linux reports start times in USER_HZ ticks, 100 per second on every mainstream architecture. */
const TICKS_PER_SECOND = 100;

async function bootTimeMs(): Promise<number | undefined> {
  const stat = await readFile("/proc/stat", "utf8").catch(() => "");
  const match = /^btime ([0-9]+)$/m.exec(stat);
  return match ? Number(match[1]) * 1000 : undefined;
}

/**
 * Live processes carrying a job marker, by job id: those naming `stateDir`, plus (older jobs,
 * without the state marker) those whose job id is in `knownIds`. Our own process is skipped.
 */
export async function scanMarkedProcesses(stateDir: string, knownIds: ReadonlySet<string>): Promise<Map<string, MarkedProcess[]>> {
  const own = path.resolve(stateDir);
  const found = new Map<string, MarkedProcess[]>();
  const boot = await bootTimeMs();
  await Promise.all((await markedEnvironments()).map(async ({ pid, env }) => {
    const jobId = env[JOB_MARKER_VARIABLE];
    if (!jobId) return;
    const marked = env[STATE_MARKER_VARIABLE];
    if (marked === undefined ? !knownIds.has(jobId) : path.resolve(marked) !== own) return;
    // Gone, a zombie or dead: not a process to adopt.
    const startTime = readStartTime(pid);
    if (startTime === undefined) return;
    const { command } = await describeProcess(pid);
    found.set(jobId, [...(found.get(jobId) ?? []), {
      pid,
      startTime,
      command,
      stateDir: marked,
      startedAt: boot === undefined ? Date.now() : boot + (startTime * 1000) / TICKS_PER_SECOND,
    }]);
  }));
  for (const list of found.values()) list.sort((a, b) => a.startTime - b.startTime || a.pid - b.pid);
  return found;
}

/** Processes read between two yields to the event loop. */
const SCAN_BATCH = 128;

/**
 * The job markers of every process but ours that carries one. Synchronous reads, in batches: an
 * async read (open, read, close on the thread pool) per process made this scan most of a fresh
 * manager's open (~400 processes: 115-160 ms async, 10-16 ms sync). Only environ is read for
 * all; the rare marked process gets its stat read after.
 */
async function markedEnvironments(): Promise<Array<{ pid: number; env: Record<string, string> }>> {
  const pids = readdirSync("/proc").filter((name) => /^[0-9]+$/.test(name)).map(Number).filter((pid) => pid !== process.pid);
  const needle = Buffer.from(`${JOB_MARKER_VARIABLE}=`);
  const marked: Array<{ pid: number; env: Record<string, string> }> = [];
  for (let index = 0; index < pids.length; index++) {
    if (index > 0 && index % SCAN_BATCH === 0) await new Promise((resolve) => setImmediate(resolve));
    const pid = pids[index] as number;
    let environ: Buffer;
    try {
      environ = readFileSync(`/proc/${pid}/environ`);
    } catch (error) {
      if (VANISHED.has((error as NodeJS.ErrnoException).code ?? "")) continue; // gone, another user's, or non-dumpable
      throw error;
    }
    if (!environ.includes(needle)) continue;
    marked.push({ pid, env: environValues(environ, [JOB_MARKER_VARIABLE, STATE_MARKER_VARIABLE]) });
  }
  return marked;
}

const VANISHED = new Set(["ENOENT", "ESRCH", "EACCES", "EPERM"]);

