// Rebuilding every job from its folder and from tmux when a manager opens (an OpenCode starts or
// restarts, the CLI runs): ends that happened meanwhile are recorded, session jobs whose OpenCode
// died are killed, and processes of this state dir without a folder become stray jobs.
import { promises as fs } from "node:fs";
import pLimit from "p-limit";
import type { z } from "zod";
import { TmuxError } from "../../tmux/errors.js";
import { listPanes, type PaneRow } from "../../tmux/windows.js";
import type { Finalizer } from "../end/finalizer.js";
import type { Killer } from "../end/killer.js";
import { scanMarkedProcesses, type MarkedProcess } from "../end/marker-scan.js";
import { OWNER_GONE_REASON } from "../end/outcome.js";
import { isProcessAlive } from "../procfs.js";
import type { Job } from "../job/job.js";
import { JOB_ID_PATTERN, windowNameFor } from "../job/ids.js";
import { JobMetaSchema, JobOutcomeSchema, JobPaths, JobStartedSchema, jobsDir, readJsonSync, type JobMeta, type JobStarted } from "../job/job-files.js";
import { serverRuns } from "../job/server-identity.js";
import { START_TIMEOUT_MS } from "../launch/launcher.js";
import { ensureLoaded } from "../output/job-output.js";
import type { Restarter } from "../restart/restart.js";
import { NEVER_STARTED, type JobSync } from "./job-sync.js";
import type { CoreBase } from "../parts.js";
import type { InputWaits } from "../input/input-wait.js";

/** Jobs rebuilt at once: enough to keep the thread pool busy, few enough to stay far from EMFILE. */
const RECOVER_AT_ONCE = 16;

export interface RecoveryDeps extends CoreBase {
  finalizer: Finalizer;
  killer: Killer;
  restarter: Restarter;
  sync: JobSync;
  inputWaits: InputWaits;
}

/** Rebuilds every job from its folder and from tmux; runs once when the manager opens. */
export async function recoverJobs(deps: RecoveryDeps): Promise<void> {
  const { config, registry, finalizer, restarter, sync, observeOnly } = deps;
  const root = jobsDir(config.stateDir);
  const ids = (await fs.readdir(root, { withFileTypes: true })).filter((entry) => entry.isDirectory()).map((entry) => entry.name);
  const paneOf = paneFinder(deps);
  const orphans: Job[] = [];
  // Ends already on disk are decided before open() resolves: a caller's first read must not
  // see "running" for a job whose exit.json is there (it did, 7/20 first reads, before).
  const ending: Promise<void>[] = [];
  // Jobs in parallel, each job's independent reads together, its three small JSON files read
  // synchronously: one after the other, 100 jobs took ~230 ms of a fresh manager's open (seven
  // small reads each, plus the running ones' log tails).
  const limit = pLimit(RECOVER_AT_ONCE);
  await Promise.all(ids.map((id) => limit(async () => {
    const paths = JobPaths.of(config.stateDir, id);
    sync.noteFolder(id, paths.dir);
    const meta = readOrUndefined(paths.meta, JobMetaSchema);
    if (!meta) return;
    const job = registry.track(meta, paths);
    job.outcome = readOrUndefined(paths.outcome, JobOutcomeSchema);
    job.started = readOrUndefined(paths.started, JobStartedSchema);
    await Promise.all([removeLegacyEnvFile(paths), restarter.loadState(job)]);
    if (!job.isActive || (await sync.forgetIfRemoved(job))) return;
    const pane = job.started ? await paneOf(id, job.started) : undefined;
    const ownerAlive = isProcessAlive(meta.owner.pid);
    if (job.started && pane && !pane.dead) {
      const [, , exited] = await Promise.all([
        (observeOnly ? Promise.resolve() : ensureLoaded(job)).then(() => deps.inputWaits.fileChanged(job, !observeOnly)),
        sync.checkLogWriter(job),
        // The wrapper wrote exit.json and is in its last moment (or a guard still holds the pane).
        finalizer.hasCurrentExit(job),
      ]);
      if (exited) ending.push(finalizer.finalize(job).catch(() => undefined));
      else if (meta.scope === "session" && !ownerAlive) orphans.push(job);
    } else if (job.started) {
      await ensureLoaded(job);
      ending.push(finalizer.finalize(job).catch(() => undefined));
    } else if (!ownerAlive || Date.now() - meta.createdAt > START_TIMEOUT_MS) {
      await finalizer.finish(job, { status: "failed", endedAt: Date.now(), error: NEVER_STARTED });
    }
  })));
  await Promise.all(ending);
  await adoptMarkedProcesses(deps).catch((error) => deps.debug("marker scan failed", { error: String(error) }));
  // Session jobs whose OpenCode died (e.g. SIGKILL) end now, in case their guard could not.
  if (orphans.length > 0 && !observeOnly) await deps.killer.killAll(orphans.sort((a, b) => a.meta.createdAt - b.meta.createdAt), OWNER_GONE_REASON);
  // Failed jobs with restart: "on-failure" keep their schedule across OpenCode restarts.
  for (const job of registry.all()) restarter.onOutcome(job);
}

/** A job file read synchronously (job-files.ts readJsonSync); missing or invalid is undefined. */
function readOrUndefined<T>(file: string, schema: z.ZodType<T>): T | undefined {
  try {
    return readJsonSync(file, schema);
  } catch {
    return undefined;
  }
}

/** Each job's pane, listed on the job's own server and session, once per server. */
function paneFinder({ config, servers }: RecoveryDeps): (id: string, started: JobStarted) => Promise<PaneRow | undefined> {
  const listings = new Map<string, Promise<Map<string, PaneRow>>>();
  return async (id, started) => {
    if (!serverRuns(started) && started.socketPath) return undefined;
    const tmux = servers.for(started);
    const session = started.session ?? config.sessionName;
    const key = `${tmux.socketPath ?? ""}\0${session}`;
    let listing = listings.get(key);
    if (!listing) {
      listing = listPanes(tmux, session).then(
        (panes) => new Map(panes.filter((pane) => pane.jobId).map((pane) => [pane.jobId as string, pane])),
        (error: unknown) => {
          if (!(error instanceof TmuxError)) throw error;
          // tmux missing: jobs are still listed from disk; starting new ones will say what is wrong.
          return new Map<string, PaneRow>();
        },
      );
      listings.set(key, listing);
    }
    return (await listing).get(id);
  };
}

/**
 * One /proc scan when the manager opens (issue 8 item 6): marker processes of this state dir
 * whose job folder is gone become stray jobs (listed, killable); those of a job that already
 * ended are shown as still running.
 */
async function adoptMarkedProcesses(deps: RecoveryDeps): Promise<void> {
  const { config, registry } = deps;
  const found = await scanMarkedProcesses(config.stateDir, new Set(registry.ids()));
  for (const [id, processes] of found) {
    const job = registry.get(id);
    if (job) {
      if (!job.isActive) job.leftovers = processes.map(({ pid, startTime }) => ({ pid, startTime }));
      continue;
    }
    const paths = JobPaths.of(config.stateDir, id);
    // A folder that exists but could not be read is not ours to second-guess.
    if (!JOB_ID_PATTERN.test(id) || (await fs.access(paths.dir).then(() => true, () => false))) continue;
    adoptStray(deps, id, paths, processes);
  }
}

function adoptStray({ registry, debug }: RecoveryDeps, id: string, paths: JobPaths, processes: MarkedProcess[]): void {
  const first = processes[0] as MarkedProcess;
  const meta: JobMeta = {
    version: 1,
    id,
    name: `stray: ${first.command}`.slice(0, 200),
    tags: [],
    scope: "global",
    owner: { instanceId: "", pid: 0 },
    command: first.command,
    cwd: "/",
    windowName: windowNameFor("stray", id),
    createdAt: Math.round(first.startedAt),
  };
  const job = registry.track(meta, paths);
  job.detached = "stray";
  job.loaded = Promise.resolve(); // no log to load: the folder is gone
  job.leftovers = processes.map(({ pid, startTime }) => ({ pid, startTime }));
  debug("stray job adopted", { jobId: id, processes: processes.map((p) => p.pid) });
  registry.emitStatus(job);
}

/**
 * Versions before the FIFO left the whole environment (API keys included) in a plain `env` file
 * for as long as the folder lived: remove it. A FIFO there is another instance's job starting.
 */
async function removeLegacyEnvFile(paths: JobPaths): Promise<void> {
  const stat = await fs.lstat(paths.env).catch(() => undefined);
  if (stat?.isFile()) await fs.rm(paths.env, { force: true }).catch(() => undefined);
}
