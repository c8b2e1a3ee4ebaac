// What the TUI sidebar's "Background" section shows, as pure functions over job views: which
// jobs belong in a session's sidebar, and the text of each row. No OpenCode, no Solid here.
import path from "node:path";
import type { JobView } from "../../core/job.js";
import { formatDuration, runtimeOf } from "../../text/duration.js";
import { truncate } from "../../text/truncate.js";

/** Where the sidebar is drawn: the session it belongs to and the project's directories. */
export interface SidebarScope {
  sessionId: string | undefined;
  /** The project's directory and worktree; a global job of another project is not shown. */
  directories: readonly (string | undefined)[];
}

const NAME_MAX_CHARS = 28;

/** Pending and running jobs of this session, plus the global ones of this project, oldest first. */
export function sidebarJobs(jobs: readonly JobView[], scope: SidebarScope): JobView[] {
  const directories = new Set(scope.directories.filter((dir): dir is string => !!dir).map((dir) => path.resolve(dir)));
  return jobs.filter((job) => {
    if (job.status !== "running" && job.status !== "pending") return false;
    if (job.scope === "global") return !job.projectDir || directories.size === 0 || directories.has(path.resolve(job.projectDir));
    return !!scope.sessionId && job.sessionId === scope.sessionId;
  });
}

/** One row: the name, then "runtime · status · #first-tag". */
export function sidebarRow(job: JobView, now = Date.now()): { name: string; details: string } {
  const parts = [formatDuration(runtimeOf(job, now)), job.status];
  const tag = job.tags[0];
  if (tag) parts.push(`#${tag}`);
  return { name: truncate(job.name, NAME_MAX_CHARS), details: parts.join(" · ") };
}
