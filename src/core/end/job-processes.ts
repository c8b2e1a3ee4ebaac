// How to find one job's processes (process-tree.ts does the finding): its env marker, and its
// pane process identified by pid AND start time, so a finished job's old pid, reused by an
// unrelated process, is never taken for the job's (issue 8: pid reuse).
import type { Job } from "../job/job.js";
import { readStartTime } from "../procfs.js";
import type { CollectOptions } from "./process-tree.js";
import { JOB_MARKER_VARIABLE } from "../launch/wrapper.js";

/** What killJobProcesses / collectJobProcesses need to find this job's processes. */
export function jobProcessesOf(job: Job): CollectOptions {
  const started = job.started;
  return {
    marker: { name: JOB_MARKER_VARIABLE, value: job.id },
    ...(started
      ? {
        rootPid: started.panePid,
        rootStartTime: started.paneStartTime,
        // started.json of older versions has no start time: the wrapper's argv names run.sh.
        rootArgument: job.paths.script,
      }
      : {}),
  };
}

/** The pane process's start time for started.json; nothing if it already ended. */
export function paneStartTimeOf(panePid: number): { paneStartTime?: number } {
  const paneStartTime = readStartTime(panePid);
  return paneStartTime === undefined ? {} : { paneStartTime };
}
