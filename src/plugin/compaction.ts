// When OpenCode compacts a session, its summary may drop the background processes the agent
// started. This adds a short block naming them (the project's global ones, and the session's
// latest ended ones, e.g. a failed build) to the context the summary is written from, so the
// agent keeps their ids after compaction.
import type { Hooks } from "@opencode-ai/plugin";
import type { JobView } from "../core/job/job.js";
import { formatDuration, runtimeOf } from "../text/duration.js";
import { formatStatus } from "../text/status.js";
import { truncate } from "../text/truncate.js";
import type { ToolDeps } from "./tools/context.js";

/** Most jobs listed in the block; the rest are counted. */
export const COMPACTION_MAX_JOBS = 30;
/** The session's most recently ended jobs listed too, so a failed build's id survives compaction. */
export const COMPACTION_ENDED_JOBS = 5;

/** The jobs a block names: active ones (the session's, then the project's global ones), then the session's latest ended. */
export function compactionJobs(jobs: readonly JobView[], sessionId: string, projectDir: string): { active: JobView[]; ended: JobView[] } {
  const here = jobs.filter((job) => job.projectDir === projectDir);
  const isActive = (job: JobView) => job.status === "running" || job.status === "pending";
  const active = here.filter(isActive);
  const own = active.filter((job) => job.sessionId === sessionId);
  const global = active.filter((job) => job.sessionId !== sessionId && job.scope === "global");
  const ended = here
    .filter((job) => !isActive(job) && job.sessionId === sessionId)
    .sort((a, b) => (b.endedAt ?? 0) - (a.endedAt ?? 0))
    .slice(0, COMPACTION_ENDED_JOBS);
  return { active: [...own, ...global], ended };
}

/**
 * The block for one session: its active jobs, the project's active global jobs and the session's
 * latest ended jobs; undefined if none. Only this project's jobs: the tools treat any other id as
 * unknown (tools/scope.ts).
 */
export function buildCompactionContext(jobs: readonly JobView[], sessionId: string, projectDir: string, now = Date.now()): string | undefined {
  const { active, ended } = compactionJobs(jobs, sessionId, projectDir);
  if (active.length === 0 && ended.length === 0) return undefined;
  const last = (job: JobView) => (job.lastLine ? ` | last line: ${truncate(job.lastLine.trim(), 120)}` : "");
  const shown = active.slice(0, COMPACTION_MAX_JOBS).map((job) => {
    const scope = job.scope === "global" ? (job.sessionId === sessionId ? " global" : " global, another session's") : "";
    return `- ${job.id} "${truncate(job.name, 60)}" ${job.status} ${formatDuration(runtimeOf(job, now))}${scope}${last(job)}`;
  });
  const hidden = active.length - shown.length;
  const endedLines = ended.map((job) => `- ${job.id} "${truncate(job.name, 60)}" ${truncate(formatStatus(job), 100)}, ended ${formatDuration(now - (job.endedAt ?? now))} ago${last(job)}`);
  return [
    "## Background processes (opencode-bg)",
    "Keep these ids: read output with getBackgroundProcess { processId, since }, wait with waitForProcess, type with sendProcessInput, rerun with restartProcess, stop with killProcesses.",
    ...(shown.length ? ["Running:", ...shown] : []),
    ...(hidden > 0 ? [`- ... and ${hidden} more (listBackgroundProcesses shows all)`] : []),
    ...(endedLines.length ? ["Ended (this session, newest first):", ...endedLines] : []),
  ].join("\n");
}

/** The `experimental.session.compacting` hook; never fails the compaction. */
export function compactionHook(deps: ToolDeps, projectDir: string): NonNullable<Hooks["experimental.session.compacting"]> {
  return async (input, output) => {
    try {
      const manager = await deps.manager();
      const named = compactionJobs(manager.list({ projectDir }), input.sessionID, projectDir);
      await manager.loadOutputs([...named.active, ...named.ended].map((job) => job.id));
      const block = buildCompactionContext(manager.list({ projectDir }), input.sessionID, projectDir);
      if (block) output.context.push(block);
    } catch {
      // Compaction goes on without the block rather than failing.
    }
  };
}
