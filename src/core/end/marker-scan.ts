// One pass over /proc for the processes of a state dir's jobs, found by their env markers, so no
// process is left without a handle (issue 8 item 6): a job folder deleted while its processes
// ran, or a job that ended when its window or tmux server went away while processes that ignore
// SIGHUP live on. Runs once when a manager opens and when a job loses its window; never per list.
// Measured on the dev container (~80 processes): a few ms; it reads every process's environ once.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { describeProcess, readEnvValues, scanProcesses, type ProcessIdentity, type ProcessSummary } from "../procfs.js";
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

const DEAD_STATES = new Set(["Z", "X", "x"]);

/**
 * Live processes carrying a job marker, by job id: those naming `stateDir`, plus (older jobs,
 * without the state marker) those whose job id is in `knownIds`. Our own process is skipped.
 */
export async function scanMarkedProcesses(stateDir: string, knownIds: ReadonlySet<string>): Promise<Map<string, MarkedProcess[]>> {
  const own = path.resolve(stateDir);
  const procs = (await scanProcesses()).filter((p) => p.pid !== process.pid && !DEAD_STATES.has(p.state));
  const found = new Map<string, MarkedProcess[]>();
  const boot = await bootTimeMs();
  await Promise.all(procs.map(async (p) => {
    const env = await readEnvValues(p.pid, [JOB_MARKER_VARIABLE, STATE_MARKER_VARIABLE]);
    const jobId = env[JOB_MARKER_VARIABLE];
    if (!jobId) return;
    const marked = env[STATE_MARKER_VARIABLE];
    if (marked === undefined ? !knownIds.has(jobId) : path.resolve(marked) !== own) return;
    const { command } = await describeProcess(p.pid);
    found.set(jobId, [...(found.get(jobId) ?? []), {
      pid: p.pid,
      startTime: p.startTime,
      command,
      stateDir: marked,
      startedAt: boot === undefined ? Date.now() : boot + (p.startTime * 1000) / TICKS_PER_SECOND,
    }]);
  }));
  for (const list of found.values()) list.sort((a, b) => a.startTime - b.startTime || a.pid - b.pid);
  return found;
}
