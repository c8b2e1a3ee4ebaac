// The new run of a restarted job: the wrapper respawned in the job's own window (same window and
// pane ids, the log pipe kept), or a new window when that one is gone; and a session job whose
// OpenCode died becomes the restarting instance's, so it ends with that one.
import { respawnPane } from "../../tmux/respawn.js";
import { readJobPane } from "../../tmux/windows.js";
import { paneStartTimeOf } from "../end/job-processes.js";
import type { Job } from "../job/job.js";
import { writeFileAtomic, writeJson, type JobStarted } from "../job/job-files.js";
import { serverRuns } from "../job/server-identity.js";
import type { Launcher } from "../launch/launcher.js";
import type { TmuxServers } from "../launch/tmux-servers.js";
import { isProcessAlive } from "../procfs.js";

/** Starts run number `run` of the job; its old processes are already ended. */
export async function startNewRun(job: Job, run: number, { launcher, servers }: { launcher: Launcher; servers: TmuxServers }): Promise<{ started: JobStarted; sameWindow: boolean }> {
  const started = job.started;
  // Window and pane ids only mean something to the tmux server that made them.
  if (started && serverRuns(started)) {
    const tmux = servers.for(started);
    if (await readJobPane(tmux, started.paneId, job.id)) {
      const panePid = await respawnPane(tmux, {
        paneId: started.paneId,
        startDirectory: job.paths.dir,
        argv: launcher.wrapperArgv(job.paths, [String(run)]),
        pipeCommand: await launcher.pipeCommand(job.paths),
      });
      // The old run's start time must not stay: it names a process that is gone.
      const { paneStartTime: _oldRun, ...kept } = started;
      return { started: { ...kept, panePid, ...paneStartTimeOf(panePid), startedAt: Date.now() }, sameWindow: true };
    }
  }
  const window = await launcher.startWindow(job, [String(run)]);
  return { started: { ...window, ...paneStartTimeOf(window.panePid), ...servers.identity(), startedAt: Date.now() }, sameWindow: false };
}

/** A session job whose OpenCode is gone becomes `by`'s, so it ends with that instance. */
export async function adoptIfOrphaned(job: Job, by: { instanceId: string; pid: number }): Promise<void> {
  const { meta } = job;
  if (meta.scope !== "session" || meta.owner.instanceId === by.instanceId || isProcessAlive(meta.owner.pid)) return;
  meta.owner = by;
  await writeJson(job.paths.meta, meta);
  await writeFileAtomic(job.paths.ownerPid, String(process.pid));
}
