// Which jobs a command-line target means: a job's id, its name, a unique id prefix, or `all`
// (as pm2 and overmind take names). A target that fits several jobs is an error listing them,
// never a guess. Pure: works on the job list the manager gave.
import type { JobView } from "../core/job/job.js";
import { CliFailure } from "./errors.js";

type Target = Pick<JobView, "id" | "name" | "status">;

const ACTIVE = new Set(["running", "pending"]);

/**
 * The jobs `target` names, in this order of preference: the exact id; the jobs with that exact
 * name (when several share it, the one still running or pending, if there is exactly one); the
 * jobs whose id starts with it. `all` is every job given. Throws a CliFailure when none or
 * several fit.
 */
export function resolveTarget<J extends Target>(jobs: readonly J[], target: string, options: { bin?: string } = {}): J[] {
  if (target === "all") return [...jobs];
  const byId = jobs.find((job) => job.id === target);
  if (byId) return [byId];
  const named = jobs.filter((job) => job.name === target);
  if (named.length === 1) return named;
  if (named.length > 1) {
    const active = named.filter((job) => ACTIVE.has(job.status));
    if (active.length === 1) return active;
    throw ambiguous(target, "name", named);
  }
  const prefixed = jobs.filter((job) => job.id.startsWith(target));
  if (prefixed.length === 1) return prefixed;
  if (prefixed.length > 1) throw ambiguous(target, "id prefix", prefixed);
  throw new CliFailure(`no job has the id or name "${target}" (list them with: ${options.bin ?? "opencode-bg"} ls)`);
}

/** Every target in turn, each job once, in the order given. */
export function resolveTargets<J extends Target>(jobs: readonly J[], targets: readonly string[], options: { bin?: string } = {}): J[] {
  const seen = new Set<string>();
  const out: J[] = [];
  for (const target of targets) {
    for (const job of resolveTarget(jobs, target, options)) {
      if (seen.has(job.id)) continue;
      seen.add(job.id);
      out.push(job);
    }
  }
  return out;
}

/** Exactly one job: `all` or a target that fits several is an error. */
export function resolveOne<J extends Target>(jobs: readonly J[], target: string, options: { bin?: string } = {}): J {
  if (target === "all") throw new CliFailure(`this command takes one job; "all" means every job (give an id or a name)`);
  const [job] = resolveTarget(jobs, target, options);
  return job as J;
}

function ambiguous(target: string, kind: string, candidates: readonly Target[]): CliFailure {
  const list = candidates.slice(0, 10).map((job) => `  ${job.id}  ${job.status}  ${job.name}`).join("\n");
  const more = candidates.length > 10 ? `\n  ... and ${candidates.length - 10} more` : "";
  return new CliFailure(`"${target}" fits ${candidates.length} jobs (by ${kind}); give one of their ids:\n${list}${more}`);
}
