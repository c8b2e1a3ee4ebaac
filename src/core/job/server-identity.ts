// Is a job's tmux server still the one that started it? Decided from its pid and the pid's start
// time in /proc (a pid reused by another process has another start time), never from a tmux
// command failing on some socket: a reader configured with another socket sees "no server"
// there while the job's own server runs fine (issue 8 item 7).
import { readFileSync } from "node:fs";
import { isProcessAlive } from "../procfs.js";

/** Start time of a process (field 22 of /proc/PID/stat, clock ticks after boot); undefined if gone. */
export function processStartTime(pid: number): number | undefined {
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the LAST ')' (the comm may hold anything): state is the first, starttime the 20th.
    const value = Number(text.slice(text.lastIndexOf(")") + 1).trim().split(" ")[19]);
    return Number.isFinite(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** True while the server recorded in started.json runs (same pid and, when recorded, same start time). */
export function serverRuns(started: { serverPid: number; serverStartTime?: number | undefined }): boolean {
  if (!isProcessAlive(started.serverPid)) return false;
  return started.serverStartTime === undefined || processStartTime(started.serverPid) === started.serverStartTime;
}
