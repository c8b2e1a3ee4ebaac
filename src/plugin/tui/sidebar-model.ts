// What the TUI sidebar's "Background" section shows, as pure functions over job views: which
// jobs belong in a session's sidebar, and the text of each row. No OpenCode, no Solid here.
import path from "node:path";
import type { JobView } from "../../core/job/job.js";
import { INPUT_WAIT_MARK } from "../input-wait-notice.js";
import { formatDuration, runtimeOf } from "../../text/duration.js";
import { truncate } from "../../text/truncate.js";

/** Where the sidebar is drawn: the session it belongs to and the project's directories. */
export interface SidebarScope {
  sessionId: string | undefined;
  /** The project's directory and worktree; a global job of another project is not shown. */
  directories: readonly (string | undefined)[];
}

const NAME_MAX_CHARS = 28;
/**
 * Ended jobs stay this long after their end (issue 11: a failed build vanished at once, so the
 * person never saw it failed)...
 */
export const ENDED_SHOWN_MS = 10 * 60_000;
/** ...and at most this many of them, the latest ends first. */
export const ENDED_SHOWN_MAX = 5;

/**
 * This session's jobs plus the global ones of this project: pending and running ones first,
 * oldest first; then those that ended within ENDED_SHOWN_MS, at most ENDED_SHOWN_MAX, latest end first.
 */
export function sidebarJobs(jobs: readonly JobView[], scope: SidebarScope, now = Date.now()): JobView[] {
  const directories = new Set(scope.directories.filter((dir): dir is string => !!dir).map((dir) => path.resolve(dir)));
  const mine = jobs.filter((job) => {
    if (job.scope === "global") return !job.projectDir || directories.size === 0 || directories.has(path.resolve(job.projectDir));
    return !!scope.sessionId && job.sessionId === scope.sessionId;
  });
  const active = mine.filter((job) => job.status === "running" || job.status === "pending").sort((a, b) => a.createdAt - b.createdAt);
  const ended = mine
    .filter((job) => job.status !== "running" && job.status !== "pending" && job.endedAt !== undefined && now - job.endedAt < ENDED_SHOWN_MS)
    .sort((a, b) => (b.endedAt ?? 0) - (a.endedAt ?? 0))
    .slice(0, ENDED_SHOWN_MAX);
  return [...active, ...ended];
}

/** How a row is marked: "•" running or pending, "✓" completed, "✗" failed or cancelled. */
export type RowTone = "running" | "pending" | "success" | "failure" | "cancelled";

export interface SidebarRow {
  mark: "•" | "✓" | "✗";
  tone: RowTone;
  name: string;
  details: string;
}

/**
 * One row: the mark, the name, then details. Running: "12s · running · :5173 · #web"; ended:
 * "12s" (completed), "3s · exit 3" or "1s · SIGKILL" (failed), "4s · cancelled".
 */
export function sidebarRow(job: JobView, now = Date.now(), ports = ""): SidebarRow {
  const parts = [formatDuration(runtimeOf(job, now))];
  let mark: SidebarRow["mark"] = "•";
  let tone: RowTone = job.status === "pending" ? "pending" : "running";
  if (job.status === "completed") {
    mark = "✓";
    tone = "success";
  } else if (job.status === "failed") {
    mark = "✗";
    tone = "failure";
    parts.push(job.exitCode !== undefined ? `exit ${job.exitCode}` : (job.signal ?? "failed"));
  } else if (job.status === "cancelled") {
    mark = "✗";
    tone = "cancelled";
    parts.push("cancelled");
  } else {
    parts.push(job.status);
    if (job.inputWait) parts.push(INPUT_WAIT_MARK);
    if (ports) parts.push(ports);
    const tag = job.tags[0];
    if (tag) parts.push(`#${tag}`);
  }
  return { mark, tone, name: truncate(job.name, NAME_MAX_CHARS), details: parts.join(" · ") };
}
