// A job's folder on disk: what each file holds, zod schemas to read them back, and atomic
// writes. Together with tmux, these files ARE the state: any instance can rebuild a job from them.
import { promises as fs, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";

export const JobStatusSchema = z.enum(["pending", "running", "completed", "failed", "cancelled"]);
export type JobStatus = z.infer<typeof JobStatusSchema>;
/** The statuses a job ends in (derived from the full list, so the two cannot drift apart). */
export const FinalStatusSchema = JobStatusSchema.extract(["completed", "failed", "cancelled"]);
export const TERMINAL_STATUSES: readonly JobStatus[] = FinalStatusSchema.options;

/** meta.json: what was asked for, written once when the job is created. */
export const JobMetaSchema = z.object({
  version: z.literal(1),
  id: z.string(),
  name: z.string(),
  tags: z.array(z.string()),
  scope: z.enum(["session", "global"]),
  /** The OpenCode chat session that started the job (notifications go there). */
  sessionId: z.string().optional(),
  /** The OpenCode project directory the job belongs to (list filters by it). */
  projectDir: z.string().optional(),
  owner: z.object({ instanceId: z.string(), pid: z.number().int() }),
  command: z.string(),
  cwd: z.string(),
  windowName: z.string(),
  createdAt: z.number(),
  /** Send the session one prompt when the job ends by itself (not when it is killed on request). */
  notifyOnExit: z.boolean().optional(),
  /** Automatic restarts: a job that failed by itself runs again, at most maxRestarts times. */
  restart: z.object({ policy: z.literal("on-failure"), maxRestarts: z.number().int().min(0) }).optional(),
  /**
   * The caller's `env` (the tool's env argument, which OpenCode keeps in the session history
   * anyway), kept so restarts get it again. Never the inherited environment: that goes to the
   * wrapper through a FIFO (launch/env-pipe.ts) and is never written to disk.
   */
  env: z.record(z.string(), z.string()).optional(),
});
export type JobMeta = z.infer<typeof JobMetaSchema>;

/** started.json: where the job runs, written once its window exists. */
export const JobStartedSchema = z.object({
  windowId: z.string(),
  paneId: z.string(),
  panePid: z.number().int(),
  /**
   * panePid's start time (field 22 of /proc/PID/stat, clock ticks after boot): with it the kill
   * tells the job's pane process from an unrelated one that got the same pid later. Absent in
   * files of older versions (then only the env marker and the wrapper's argv identify the job).
   */
  paneStartTime: z.number().int().optional(),
  serverPid: z.number().int(),
  startedAt: z.number(),
  /**
   * The job's own tmux server: its socket (`#{socket_path}`), its start time (clock ticks after
   * boot, so a reused pid is not taken for it) and the session. Every reader talks to THIS server,
   * whatever socket it is configured with. Absent in jobs made before: the reader's own server.
   */
  socketPath: z.string().optional(),
  serverStartTime: z.number().optional(),
  session: z.string().optional(),
});
export type JobStarted = z.infer<typeof JobStartedSchema>;

/** exit.json: written by the wrapper script (tmp + rename) when the command ends. */
export const JobExitSchema = z.object({
  exitCode: z.number().int(),
  endedAt: z.number(),
  ownerGone: z.boolean().default(false),
  /** The signal the wrapper itself received: INT = Ctrl-C typed in the window, HUP = window or server closed. */
  interrupted: z.enum(["INT", "TERM", "HUP"]).optional(),
  /** Which run of the job wrote it (0 = the first; see restart.json); an older run's file is stale. */
  run: z.number().int().optional(),
});
export type JobExit = z.infer<typeof JobExitSchema>;

/** cancel.json: a kill was requested; whatever exit follows is a cancellation. */
export const JobCancelSchema = z.object({ requestedAt: z.number(), reason: z.string().optional() });
export type JobCancel = z.infer<typeof JobCancelSchema>;

/** outcome.json: the final state, written once by whoever saw the job end. */
export const JobOutcomeSchema = z.object({
  status: FinalStatusSchema,
  endedAt: z.number(),
  exitCode: z.number().int().optional(),
  signal: z.string().optional(),
  error: z.string().optional(),
  /** True when opencode-bg ended it (a kill through the tools/CLI, session or OpenCode cleanup), not the job itself. */
  requested: z.boolean().optional(),
  /** Which run of the job ended (absent = 0); an older run's outcome is stale. */
  run: z.number().int().optional(),
  /** Its window or tmux server went away: processes ignoring SIGHUP may outlive it, so every instance looks for leftovers. */
  windowLost: z.boolean().optional(),
  /**
   * The job asked for an exit notice (notifyOnExit) and ended by itself: its session is owed one
   * prompt, whoever decided the end (an OpenCode, the CLI, the sidebar). Sent once per run; see
   * JobPaths.exitNoticeSent. Absent in outcomes of older versions, whose notices are not replayed.
   */
  exitNotice: z.literal("owed").optional(),
});
export type JobOutcome = z.infer<typeof JobOutcomeSchema>;

/** restart.json: the job's current run (restarts so far) and a restart under way, written by whoever restarts it. */
export const RestartStateSchema = z.object({
  run: z.number().int().min(0),
  /** Automatic restarts since creation or the last restart by hand (what maxRestarts counts). */
  automatic: z.number().int().min(0),
  /** "restarting" while the old run is ended and the new one started; nobody finalises meanwhile. */
  phase: z.enum(["restarting", "done"]),
  at: z.number(),
  by: z.object({ instanceId: z.string(), pid: z.number().int() }),
  reason: z.string().optional(),
  /** Killed on request after run N failed: no automatic restart of run N. */
  stoppedRun: z.number().int().optional(),
  /** First output line of the current run (absent: 1); waits search from it by default. */
  firstLine: z.number().int().min(1).optional(),
});
export type RestartState = z.infer<typeof RestartStateSchema>;

/** Paths of one job's files. */
export class JobPaths {
  constructor(readonly dir: string) {}
  static of(stateDir: string, jobId: string): JobPaths {
    return new JobPaths(path.join(jobsDir(stateDir), jobId));
  }
  get meta() { return path.join(this.dir, "meta.json"); }
  get started() { return path.join(this.dir, "started.json"); }
  get exit() { return path.join(this.dir, "exit.json"); }
  get cancel() { return path.join(this.dir, "cancel.json"); }
  get outcome() { return path.join(this.dir, "outcome.json"); }
  get log() { return path.join(this.dir, "output.log"); }
  get command() { return path.join(this.dir, "command"); }
  get cwd() { return path.join(this.dir, "cwd"); }
  /** The FIFO the wrapper reads its environment from (launch/env-pipe.ts); a plain file in old versions. */
  get env() { return path.join(this.dir, "env"); }
  get ownerPid() { return path.join(this.dir, "owner-pid"); }
  get script() { return path.join(this.dir, "run.sh"); }
  get notifications() { return path.join(this.dir, "notifications.jsonl"); }
  /** Byte offset of the output up to which notify markers were handled (the last one's end); successors start after it. */
  get notifyCursor() { return path.join(this.dir, "notify-cursor"); }
  /** Created (exclusively) once run `run`'s exit notice was handled (delivered or failed for good). */
  exitNoticeSent(run: number) { return path.join(this.dir, `exit-notice-sent.${run}`); }
  /** Run count and restart in progress (see RestartStateSchema). */
  get restart() { return path.join(this.dir, "restart.json"); }
}

/** Job folders live one level below the state dir, so the state dir can hold other things. */
export function jobsDir(stateDir: string): string {
  return path.join(stateDir, "jobs");
}

/** Writes a file readable only by the user, via a temp file and rename so readers never see half. */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  const temp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    await fs.writeFile(temp, data, { mode: 0o600 });
    await fs.rename(temp, file);
  } catch (error) {
    // A full disk leaves a partial temp file: give its space back.
    await fs.rm(temp, { force: true }).catch(() => undefined);
    throw error;
  }
}

/** writeFileAtomic without leaving the current tick (for a write that must not trail an event). */
export function writeFileAtomicSync(file: string, data: string): void {
  const temp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  writeFileSync(temp, data, { mode: 0o600 });
  renameSync(temp, file);
}

export async function writeJson(file: string, value: unknown): Promise<void> {
  await writeFileAtomic(file, `${JSON.stringify(value, null, 2)}\n`);
}

/** Reads and validates a JSON file; undefined if it does not exist, an error if it is invalid. */
export async function readJson<T>(file: string, schema: z.ZodType<T>): Promise<T | undefined> {
  let text: string;
  try {
    text = await fs.readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  const parsed = schema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new Error(`${file} is not a valid opencode-bg file: ${parsed.error.message}`);
  return parsed.data;
}

/**
 * readJson without the thread pool, for the many small reads of a manager's open (recovery):
 * an async read is four trips to the pool, and 300 of them were ~25 ms of a 100-job open.
 */
export function readJsonSync<T>(file: string, schema: z.ZodType<T>): T | undefined {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  const parsed = schema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new Error(`${file} is not a valid opencode-bg file: ${parsed.error.message}`);
  return parsed.data;
}

/** Names bash can export; anything else (e.g. "A-B" from some tools) is skipped, not fatal. */
export function isValidEnvName(name: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name);
}

/** Creates `file` with `data`, complete or not at all; false if it already exists (link() is atomic: exactly one caller wins). */
export async function createExclusive(file: string, data = ""): Promise<boolean> {
  const temp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  await fs.writeFile(temp, data, { mode: 0o600 });
  try {
    await fs.link(temp, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  } finally {
    await fs.rm(temp, { force: true });
  }
}
