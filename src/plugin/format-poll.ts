// The header of a read with `since`: the caller polls a job it already knows, so one line says
// which job and how it is (status with exit code, leftover processes) instead of ~500 characters
// of command, cwd, scope, pid, times, attach and log path on every poll (issue 10).
import type { JobView } from "../core/job/job.js";
import { formatHandleNote, formatStatus } from "../text/status.js";

export function formatPollHeader(job: JobView): string {
  const handle = formatHandleNote(job);
  return `${job.id} "${job.name}" ${formatStatus(job)}${handle ? ` (${handle})` : ""}`;
}
