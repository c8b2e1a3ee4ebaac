// When OpenCode compacts a session, its summary may drop the background processes the agent
// started. This adds a short block naming them (and the project's global ones) to the context
// the summary is written from, so the agent keeps their ids after compaction.
import type { Hooks } from "@opencode-ai/plugin";
import type { JobView } from "../core/job.js";
import { formatDuration, runtimeOf } from "../text/duration.js";
import { truncate } from "../text/truncate.js";
import type { ToolDeps } from "./tools/context.js";

/** Most jobs listed in the block; the rest are counted. */
export const COMPACTION_MAX_JOBS = 30;

/**
 * The block for one session: its active jobs plus the project's active global jobs; undefined if
 * none. Only this project's jobs: the tools treat any other id as unknown (tools/scope.ts).
 */
export function buildCompactionContext(jobs: readonly JobView[], sessionId: string, projectDir: string, now = Date.now()): string | undefined {
  const active = jobs.filter((job) => (job.status === "running" || job.status === "pending") && job.projectDir === projectDir);
  const own = active.filter((job) => job.sessionId === sessionId);
  const global = active.filter((job) => job.sessionId !== sessionId && job.scope === "global");
  const listed = [...own, ...global];
  if (listed.length === 0) return undefined;
  const shown = listed.slice(0, COMPACTION_MAX_JOBS).map((job) => {
    const scope = job.scope === "global" ? (job.sessionId === sessionId ? " global" : " global, another session's") : "";
    const last = job.lastLine ? ` | last line: ${truncate(job.lastLine.trim(), 120)}` : "";
    return `- ${job.id} "${truncate(job.name, 60)}" ${job.status} ${formatDuration(runtimeOf(job, now))}${scope}${last}`;
  });
  const hidden = listed.length - shown.length;
  return [
    "## Background processes (opencode-bg) still running",
    "Started with createBackgroundProcess and still running in their tmux windows. Keep these ids: read output with getBackgroundProcess { processId, since }, type into one with sendProcessInput, stop one with killProcesses.",
    ...shown,
    ...(hidden > 0 ? [`- ... and ${hidden} more (listBackgroundProcesses shows all)`] : []),
  ].join("\n");
}

/** The `experimental.session.compacting` hook; never fails the compaction. */
export function compactionHook(deps: ToolDeps, projectDir: string): NonNullable<Hooks["experimental.session.compacting"]> {
  return async (input, output) => {
    try {
      const manager = await deps.manager();
      const filter = { status: ["running", "pending"] as const, projectDir };
      await manager.loadOutputs(manager.list(filter).map((job) => job.id));
      const block = buildCompactionContext(manager.list(filter), input.sessionID, projectDir);
      if (block) output.context.push(block);
    } catch {
      // Compaction goes on without the block rather than failing.
    }
  };
}
