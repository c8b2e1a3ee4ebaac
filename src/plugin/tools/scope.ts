// Which jobs a tool call may touch: only those of its own project directory (ctx.directory),
// the same set listBackgroundProcesses shows. Another project's id is "unknown" here, with the
// very error a made-up id gets, so a call can neither reach nor probe another project's jobs.
import type { JobView } from "../../core/job/job.js";
import type { JobManager } from "../../core/manager.js";
import { UnknownJobError } from "../../core/errors.js";
import { matchesFilter } from "../../core/job/filters.js";

/**
 * The job `id` if it belongs to `projectDir`; UnknownJobError otherwise (missing or another
 * project's). A stray job (marker processes of this state dir whose folder is gone) has no known
 * project: every project lists it, so every project reaches it by id, to end it.
 */
export function projectJob(manager: JobManager, id: string, projectDir: string): JobView {
  const job = manager.has(id) ? manager.get(id) : undefined;
  // The list filter itself, so what a list shows and what an id reaches never differ.
  if (!job || !(matchesFilter(job, { projectDir }) || job.detached === "stray")) throw new UnknownJobError(id);
  return job;
}
