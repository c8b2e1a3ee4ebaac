// A job's environment reaches its wrapper through a FIFO in the job folder, never a file: it holds
// OpenCode's whole environment (provider API keys included), and data in a pipe never touches the
// disk. The pane is started by tmux (whose own environment is stale), not by us, so the data needs
// something with a name; Node and Bun have no mkfifo(), hence the `mkfifo` binary.
//
// The writer opens the FIFO O_RDWR|O_NONBLOCK: the open never blocks, and holding a read end keeps
// the pipe (and what was written) alive until the wrapper opens it. The wrapper opens it read-write
// too (never blocks, never waits for a writer that died), removes its name at once, and reads
// "<count> <mode>\n" then <count> NUL-terminated NAME=VALUE entries (wrapper.sh). Once the name
// is gone and every byte is in the pipe, the wrapper holds the pipe: the writer closes its end.
import { constants, promises as fs } from "node:fs";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { execa } from "execa";
import { nanoid } from "nanoid";
import { isValidEnvName } from "../job/job-files.js";
import { JOB_MARKER_VARIABLE, STATE_MARKER_VARIABLE } from "./wrapper.js";

/**
 * A payload this small fits in any pipe (one page, the smallest buffer Linux gives a pipe), so it
 * is all there before the wrapper reads: it may read without timeouts (one syscall per byte
 * fewer). A larger one streams as the wrapper drains it; the wrapper then reads with a timeout,
 * so a writer that dies halfway cannot leave it waiting forever.
 */
const WHOLE_PAYLOAD_BYTES = 4096;
/** Pause between attempts while the pipe is full or the wrapper has not opened it yet. */
const POLL_MS = 10;
/** Spare FIFOs made by one mkfifo run (see FifoMaker). */
const SPARES_AT_ONCE = 8;
/** When new spares are made after the last one was used (see FifoMaker.make). */
const SPARE_DELAY_MS = 25;

/**
 * The environment a job runs with: the base (the creating or restarting process's own), the
 * caller's `env` on top, and the marker every process of the job carries (end/process-tree.ts).
 */
export function jobEnvironment(
  base: NodeJS.ProcessEnv,
  callerEnv: Readonly<Record<string, string>> | undefined,
  jobId: string,
  stateDir: string,
): Record<string, string | undefined> {
  return {
    ...base,
    ...callerEnv,
    [JOB_MARKER_VARIABLE]: jobId,
    // Whose job it is: a later manager adopts marker processes only of its own state dir (end/marker-scan.ts).
    [STATE_MARKER_VARIABLE]: path.resolve(stateDir),
  };
}

/** What the wrapper reads: a header line, then the NUL-terminated entries. */
export function encodeEnvPayload(env: Record<string, string | undefined>): Buffer {
  const entries = Object.entries(env)
    .filter((entry): entry is [string, string] => entry[1] !== undefined && isValidEnvName(entry[0]) && !entry[1].includes("\0"))
    .map(([name, value]) => `${name}=${value}\0`);
  const body = Buffer.from(entries.join(""), "utf8");
  // The header's own few bytes count too; "t" = read with timeouts.
  const mode = body.length + 32 <= WHOLE_PAYLOAD_BYTES ? "w" : "t";
  return Buffer.concat([Buffer.from(`${entries.length} ${mode}\n`), body]);
}

/** How a delivery ended: read by the wrapper, or given up (cancelled, job gone, timed out). */
export type EnvDeliveryResult = "read" | "abandoned";

export interface EnvDelivery {
  /** Settles once the writer's end is closed; never rejects. */
  readonly settled: Promise<EnvDeliveryResult>;
  /** Give up now (the window never started, the job ended, the manager closes). */
  cancel(): void;
}

export interface EnvDeliveryOptions {
  /** Give up after this long (the wrapper then fails the job, saying why). */
  timeoutMs: number;
  /** Makes the FIFO (default: runs mkfifo); see FifoMaker. */
  makeFifo?: (fifo: string) => Promise<void>;
  /** False once nobody can read any more (e.g. the pane died): give up early. */
  readerAlive?: () => boolean;
}

/**
 * Makes the FIFO at `fifo` (replacing whatever is there) and starts writing `payload` into it.
 * Resolves once the FIFO exists and the first chunk is in it, so tmux can start the wrapper.
 */
export async function offerEnvironment(fifo: string, payload: Buffer, options: EnvDeliveryOptions): Promise<EnvDelivery> {
  await (options.makeFifo ?? mkfifo)(fifo);
  const handle = await fs.open(fifo, constants.O_RDWR | constants.O_NONBLOCK).catch(async (error: unknown) => {
    await fs.rm(fifo, { force: true }).catch(() => undefined);
    throw error;
  });
  let cancelled = false;
  const deadline = Date.now() + options.timeoutMs;
  const givenUp = () => cancelled || Date.now() > deadline || options.readerAlive?.() === false;
  // The first chunk (all of a small payload: one atomic write) is in the pipe before we return,
  // so the wrapper tmux starts next finds it there.
  let offset = 0;
  const first = await handle.write(payload, 0, payload.length).then(
    ({ bytesWritten }) => { offset = bytesWritten; },
    (error: unknown) => ((error as NodeJS.ErrnoException).code === "EAGAIN" ? undefined : error),
  );
  const settled = (async (): Promise<EnvDeliveryResult> => {
    let result: EnvDeliveryResult = "abandoned";
    try {
      if (first) throw first;
      while (offset < payload.length) {
        try {
          offset += (await handle.write(payload, offset, payload.length - offset)).bytesWritten;
        } catch (error) {
          // EAGAIN: the pipe is full until the wrapper reads (environments over the pipe's buffer).
          if ((error as NodeJS.ErrnoException).code !== "EAGAIN") throw error;
          if (givenUp()) return result;
          await sleep(POLL_MS);
        }
      }
      // Every byte is in the pipe; it outlives our end once the wrapper holds it (name removed).
      while (await exists(fifo)) {
        if (givenUp()) return result;
        await sleep(POLL_MS);
      }
      result = "read";
      return result;
    } catch {
      return result;
    } finally {
      await handle.close().catch(() => undefined);
      // Given up: no name left for anyone to open later (a run that starts late fails, saying why).
      if (result !== "read") await fs.rm(fifo, { force: true }).catch(() => undefined);
    }
  })();
  return {
    settled,
    cancel() {
      cancelled = true;
    },
  };
}

/** A new FIFO, readable and writable by the user only, replacing whatever `fifo` names. */
export async function mkfifo(fifo: string): Promise<void> {
  await fs.rm(fifo, { force: true });
  await execa("mkfifo", ["-m", "600", "--", fifo]);
}

/**
 * Makes FIFOs without a process on the create path: running mkfifo costs a spawn, and a spawn
 * blocks this thread while it forks the whole process (a CPU profile of 40 creates on a busy
 * 2-core machine: 11 ms each, the largest cost of a create). So spare FIFOs are made ahead of
 * time, SPARES_AT_ONCE in one mkfifo run, in `dir` (the state dir: same file system as the job
 * folders), and renamed into place (~1 ms). An empty FIFO holds nothing: spares left behind by a
 * crash are harmless; the manager removes its own on close.
 */
export class FifoMaker {
  private spares: string[] = [];
  private making: Promise<void> | undefined;
  private closed = false;

  constructor(private readonly dir: string) {}

  /** Makes spares now if there are none (e.g. when the manager opens), so even the first create is fast. */
  prepare(): void {
    if (this.closed || this.spares.length > 0) return;
    this.making ??= this.makeSpares().finally(() => {
      this.making = undefined;
    });
  }

  async make(target: string): Promise<void> {
    if (this.spares.length === 0) await this.making;
    const spare = this.spares.shift();
    // rename() replaces an older run's FIFO (or old plain env file) at the target atomically.
    const renamed = spare ? await fs.rename(spare, target).then(() => true, () => false) : false;
    if (!renamed) await mkfifo(target);
    // More once the last is used, after this create has its window (the spawn would hold it up).
    if (this.spares.length === 0) setTimeout(() => this.prepare(), SPARE_DELAY_MS).unref?.();
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.making;
    const left = this.spares.splice(0);
    await Promise.all(left.map((file) => fs.rm(file, { force: true }).catch(() => undefined)));
  }

  private async makeSpares(): Promise<void> {
    const files = Array.from({ length: SPARES_AT_ONCE }, () => path.join(this.dir, `.fifo-spare-${process.pid}-${nanoid(8)}`));
    try {
      await execa("mkfifo", ["-m", "600", "--", ...files]);
    } catch {
      // Some may have been made: none is used, none is left.
      await Promise.all(files.map((file) => fs.rm(file, { force: true }).catch(() => undefined)));
      return;
    }
    if (this.closed) await Promise.all(files.map((file) => fs.rm(file, { force: true }).catch(() => undefined)));
    else this.spares.push(...files);
  }
}

async function exists(file: string): Promise<boolean> {
  return fs.lstat(file).then(() => true, () => false);
}
