// Garbage collection of finished jobs: their folders (logs included) and their dead windows.
import { promises as fs } from "node:fs";
import { killWindow, readJobPane } from "../../tmux/windows.js";
import type { JobView } from "../job/job.js";
import type { JobRegistry } from "../job/registry.js";
import { serverRuns } from "../job/server-identity.js";
import { treeBytes } from "../job/state-dir.js";
import type { TmuxServers } from "../launch/tmux-servers.js";

/** What removeFinished removed (or would remove, on a dry run) and the bytes their folders held. */
export interface RemovedJobs {
  removed: JobView[];
  bytes: number;
}

/**
 * Deletes the folders of finished jobs (completed/failed/cancelled) that ended at least
 * `olderThanMs` ago, and closes their leftover dead windows. Never touches an active job (nor one
 * being finalised or restarted). With dryRun, only reports what it would remove.
 */
export async function removeFinished(registry: JobRegistry, servers: TmuxServers, options: { olderThanMs: number; dryRun?: boolean }): Promise<RemovedJobs> {
  const cutoff = Date.now() - Math.max(0, options.olderThanMs);
  const targets = registry.all()
    .filter((job) => !job.isActive && !job.finalizing && !job.restarting && (job.outcome?.endedAt ?? Number.POSITIVE_INFINITY) <= cutoff)
    .sort((a, b) => a.meta.createdAt - b.meta.createdAt);
  const removed: JobView[] = [];
  let bytes = 0;
  for (const job of targets) {
    const view = registry.view(job);
    bytes += await treeBytes(job.paths.dir);
    removed.push(view);
    if (options.dryRun) continue;
    // Window ids are per tmux server: only close the window if it still carries this job's id.
    if (job.started && serverRuns(job.started)) {
      const tmux = servers.for(job.started);
      const pane = await readJobPane(tmux, job.started.paneId, job.id);
      if (pane) await killWindow(tmux, pane.windowId).catch(() => undefined);
    }
    registry.forget(job);
    await fs.rm(job.paths.dir, { recursive: true, force: true });
  }
  return { removed, bytes };
}
