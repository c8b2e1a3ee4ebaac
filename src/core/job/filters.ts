// Which jobs a list or kill call means. Pure functions over job views.
import type { JobStatus } from "./job-files.js";
import type { JobView } from "./job.js";

export interface JobFilter {
  ids?: readonly string[];
  sessionId?: string;
  status?: JobStatus | readonly JobStatus[];
  /** Any-of: a job matches when it carries at least one of these tags. */
  tags?: readonly string[];
  projectDir?: string;
  scope?: "session" | "global";
  ownerInstanceId?: string;
}

/** True when the filter names nothing at all (a kill with it would mean "everything"). */
export function isEmptyFilter(filter: JobFilter): boolean {
  return !filter.ids?.length && !filter.sessionId && !filter.tags?.length && !asArray(filter.status).length && !filter.ownerInstanceId;
}

export function matchesFilter(job: JobView, filter: JobFilter): boolean {
  if (filter.ids?.length && !filter.ids.includes(job.id)) return false;
  if (filter.sessionId && job.sessionId !== filter.sessionId) return false;
  const statuses = asArray(filter.status);
  if (statuses.length && !statuses.includes(job.status)) return false;
  if (filter.tags?.length && !filter.tags.some((tag) => job.tags.includes(tag))) return false;
  if (filter.projectDir && job.projectDir !== filter.projectDir) return false;
  if (filter.scope && job.scope !== filter.scope) return false;
  if (filter.ownerInstanceId && job.ownerInstanceId !== filter.ownerInstanceId) return false;
  return true;
}

function asArray<T>(value: T | readonly T[] | undefined): readonly T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? (value as readonly T[]) : [value as T];
}
