// Starting jobs: the folder and its files, the environment through the job's FIFO, the tmux
// window running the wrapper, and started.json. A create that fails half-way leaves nothing.
// Restarts start their new runs through the same pieces (startWindow, offerEnvironment).
import { promises as fs } from "node:fs";
import { killWindow, type StartedWindow } from "../../tmux/windows.js";
import { jobProcessesOf, paneStartTimeOf } from "../end/job-processes.js";
import { killJobProcesses } from "../end/process-tree.js";
import { isProcessAlive } from "../procfs.js";
import { describeError, JobStartError } from "../errors.js";
import { newJobId, windowNameFor } from "../job/ids.js";
import type { Job, JobView } from "../job/job.js";
import { JobPaths, writeFileAtomic, writeJson, type JobMeta } from "../job/job-files.js";
import { LogCap } from "../output/log-cap.js";
import type { JobWatch } from "../sync/job-watch.js";
import { validateCreateInput, type CreateJobInput } from "./create-input.js";
import { encodeEnvPayload, FifoMaker, jobEnvironment, offerEnvironment, type EnvDelivery } from "./env-pipe.js";
import { wrapperScript } from "./wrapper.js";
import type { CoreBase } from "../parts.js";
import { buildWatchFile } from "../notify/watch-spec.js";

/** A job whose folder exists but never got a window is given up on after this long. */
export const START_TIMEOUT_MS = 30_000;

export interface LauncherDeps extends CoreBase {
  watch: JobWatch;
  /** This process's environment (options.env): what jobs start from, and restarts too. */
  baseEnv: NodeJS.ProcessEnv;
}

export class Launcher {
  /** Environments on their way to a wrapper through its FIFO, by job id (env-pipe.ts). */
  private readonly deliveries = new Map<string, EnvDelivery>();
  /** Keeps a spare FIFO in the state dir so create does not wait for mkfifo. */
  private readonly fifos: FifoMaker;
  /** The capped log writer every window's pipe-pane runs (output/log-cap.ts). */
  private readonly logCap: LogCap;

  constructor(private readonly deps: LauncherDeps) {
    this.fifos = new FifoMaker(deps.config.stateDir);
    this.logCap = new LogCap({ maxLogBytes: deps.config.maxLogBytes, onUncapped: (reason) => deps.debug(reason) });
  }

  /** Makes a spare FIFO ahead of the first create. */
  prepare(): void {
    this.fifos.prepare();
  }

  /**
   * Starts a command in its own tmux window. Invalid input throws InvalidInputError; a failure
   * half-way (tmux missing, the window not starting, a file not written) removes the job's folder
   * and throws JobStartError saying why: no half-made job is left for anyone to list.
   */
  async create(input: CreateJobInput): Promise<JobView> {
    const { config, registry, servers } = this.deps;
    const valid = await validateCreateInput(input);
    const watchFile = buildWatchFile(input.watch, input.ready);
    const id = newJobId();
    const paths = JobPaths.of(config.stateDir, id);
    const meta: JobMeta = {
      version: 1,
      id,
      name: valid.name,
      tags: valid.tags,
      scope: valid.scope,
      ...(valid.sessionId ? { sessionId: valid.sessionId } : {}),
      ...(valid.projectDir ? { projectDir: valid.projectDir } : {}),
      owner: { instanceId: registry.instanceId, pid: process.pid },
      command: valid.command,
      cwd: valid.cwd,
      windowName: windowNameFor(valid.name, id),
      createdAt: Date.now(),
      ...(valid.notifyOnExit === undefined ? {} : { notifyOnExit: valid.notifyOnExit }),
      ...(valid.restart ? { restart: valid.restart } : {}),
      ...(Object.keys(valid.env).length > 0 ? { env: valid.env } : {}),
    };
    await fs.mkdir(paths.dir, { mode: 0o700 });
    const abandon = (error: unknown) => this.abandonCreate(id, paths, error);
    // Before meta.json: another instance that finds the job through meta.json finds its watches too.
    if (watchFile) await this.deps.registry.watches.save(id, paths.dir, watchFile).catch(abandon);
    const job = registry.track(meta, paths);
    // The files, the log's pipe command and the environment's FIFO side by side: one after the
    // other they were most of create's time (files 2.2 ms, FIFO 4.3 ms of 13.7 ms on a quiet machine).
    let delivery: EnvDelivery | undefined;
    const files = Promise.all([
      writeFileAtomic(paths.command, valid.command),
      writeFileAtomic(paths.cwd, valid.cwd),
      fs.writeFile(paths.script, wrapperScript(), { mode: 0o700 }),
      fs.writeFile(paths.log, "", { mode: 0o600 }),
      // Nothing handled yet: an instance that takes over before the first delivery starts at 0.
      writeFileAtomic(paths.notifyCursor, "0"),
      valid.scope === "session" ? writeFileAtomic(paths.ownerPid, String(process.pid)) : undefined,
      writeJson(paths.meta, meta),
    ]);
    const ready = (async () => {
      // tmux first: when it is missing or refuses, that is the reason to give, before any FIFO exists.
      if (!servers.connected) await servers.connect();
      const pipeCommand = await this.pipeCommand(paths);
      // In the FIFO before tmux starts the pane; read by the wrapper, never written to disk.
      delivery = await this.offerEnvironment(job, input.baseEnv ?? this.deps.baseEnv);
      return pipeCommand;
    })();
    const [written, started] = await Promise.allSettled([files, ready]);
    registry.emitStatus(job);
    try {
      if (written.status === "rejected") throw written.reason;
      if (started.status === "rejected") throw started.reason;
      // Taken before tmux starts the pane: a command that ends at once still ends after it started.
      const startedAt = Date.now();
      const window = await this.startWindow(job, [], started.value);
      job.started = { ...window, ...paneStartTimeOf(window.panePid), ...servers.identity(), startedAt };
      await writeJson(paths.started, job.started);
      registry.emitStatus(job);
    } catch (error) {
      if (delivery) {
        delivery.cancel();
        await delivery.settled;
      }
      await abandon(error);
    }
    return registry.view(job);
  }

  /**
   * Starts writing a job's environment (`base`, the caller's env from meta.json, the marker) into
   * its FIFO for the wrapper about to start. An earlier delivery for the job ends first (its
   * FIFO has the same name). The delivery gives up when the job ends, its pane dies or 30 s pass.
   */
  async offerEnvironment(job: Job, base: NodeJS.ProcessEnv = this.deps.baseEnv): Promise<EnvDelivery> {
    const previous = this.deliveries.get(job.id);
    previous?.cancel();
    await previous?.settled;
    const offeredAt = Date.now();
    const payload = encodeEnvPayload(jobEnvironment(base, job.meta.env, job.id, this.deps.config.stateDir));
    const delivery = await offerEnvironment(job.paths.env, payload, {
      timeoutMs: START_TIMEOUT_MS,
      makeFifo: (fifo) => this.fifos.make(fifo),
      // Only a pane started for this delivery counts (a restart replaces an older, dead one).
      readerAlive: () => job.isActive && !(job.started && job.started.startedAt >= offeredAt && !isProcessAlive(job.started.panePid)),
    });
    this.deliveries.set(job.id, delivery);
    void delivery.settled.then(() => {
      if (this.deliveries.get(job.id) === delivery) this.deliveries.delete(job.id);
    });
    return delivery;
  }

  /** The job ended: an environment still waiting for its wrapper is not needed any more. */
  cancelDelivery(jobId: string): void {
    this.deliveries.get(jobId)?.cancel();
  }

  /** The pane's argv: the wrapper, in a clean environment, with `extraArgs` (a restart's run number). */
  wrapperArgv(paths: JobPaths, extraArgs: readonly string[] = []): string[] {
    return [...this.deps.servers.cleanArgv(["bash", paths.script, paths.dir]), ...extraArgs];
  }

  /** The pipe-pane shell command that writes the job's (capped) log. */
  pipeCommand(paths: JobPaths): Promise<string> {
    return this.logCap.pipeCommand(paths.dir, paths.log);
  }

  /** A new window for the job running the wrapper (our server; made again if it vanished). */
  async startWindow(job: Job, extraArgs: readonly string[] = [], knownPipeCommand?: string): Promise<StartedWindow> {
    const pipeCommand = knownPipeCommand ?? (await this.pipeCommand(job.paths));
    return this.deps.servers.startWindow(() => ({
      windowName: job.meta.windowName,
      jobId: job.id,
      startDirectory: job.paths.dir,
      argv: this.wrapperArgv(job.paths, extraArgs),
      pipeCommand,
    }));
  }

  /** Waits for environments on their way (a short-lived caller must not take them with it) and removes the spare FIFO. */
  async close(): Promise<void> {
    // The pipe dies with our end until the wrapper holds it. Usually a few ms; bounded by the delivery's limits.
    await Promise.all([...this.deliveries.values()].map((delivery) => delivery.settled));
    await this.fifos.close();
  }

  /** Undoes a create that failed half-way: its process (if the window started), the job, its folder. */
  private async abandonCreate(id: string, paths: JobPaths, error: unknown): Promise<never> {
    const { registry } = this.deps;
    const job = registry.get(id);
    if (job?.started) {
      await killJobProcesses({ ...jobProcessesOf(job), graceMs: this.deps.config.killGraceMs }).catch(() => undefined);
      await killWindow(this.deps.servers.for(job.started), job.started.windowId).catch(() => undefined);
    }
    const reason = `could not start: ${describeError(error)}`;
    // chokidar 5 leaks the fs.watch of a folder it is still setting up when the watcher closes
    // (seen: the CLI hung 3 runs in 6 after a failed create): let it see the folder go first.
    const seen = this.deps.watch.sees("unlinkDir", paths.dir, 1000);
    await fs.rm(paths.dir, { recursive: true, force: true }).catch(() => undefined);
    await seen;
    if (job) {
      // Listeners saw it pending: they see it end (in memory only; nothing is left on disk).
      job.outcome = { status: "failed", endedAt: Date.now(), error: reason };
      registry.forget(job);
      registry.emitStatus(job);
    }
    throw new JobStartError(reason, { cause: error });
  }
}
