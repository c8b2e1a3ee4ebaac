// Caps a job's log on disk, keeping the newest output. tmux's pipe-pane feeds GNU split, which
// cuts the stream into chunks of half the cap and hands each to log-rotate.sh in turn (see
// log-rotate-script.ts): output.log holds the current chunk, output.1.log the one before, so a
// job's logs take at most ~1.25x the cap, whether or not an OpenCode is running.
// Re-pointing pipe-pane at a new file instead was measured to lose the ~4 KB tmux had buffered
// for the old pipe under a flood (tmux 3.3a), so the pipe is never re-pointed to rotate.
import { promises as fs } from "node:fs";
import path from "node:path";
import { execa } from "execa";
import { shellQuote } from "../shell.js";
import { InvalidInputError } from "../errors.js";
import { LOG_ROTATE_SCRIPT } from "./log-rotate-script.js";

/** Default cap of one job's logs on disk. */
export const DEFAULT_MAX_LOG_BYTES = 64 * 1024 * 1024;
/** Smallest cap accepted: below it rotation would run for every few lines. */
export const MIN_MAX_LOG_BYTES = 64 * 1024;
/** Name of the rotation script in a job folder. */
export const ROTATE_SCRIPT_NAME = "log-rotate.sh";
/**
 * Made (empty: it must fit on a full disk) by the writer when output.log could not be written,
 * e.g. ENOSPC: from then on the job's output is not recorded. Removed again after a chunk that
 * was written whole. Readers say so in the job's status.
 */
export const LOG_FAILED_NAME = "log-write-failed";

const UNITS: Record<string, number> = { "": 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/** "67108864", "64M", "64MB", "64MiB", "1g": a size in bytes (units are powers of 1024); errors name the field. */
export function parseByteSize(text: string, field: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*$/i.exec(text);
  const unit = UNITS[(match?.[2] ?? "").toLowerCase()];
  if (!match || unit === undefined) throw new InvalidInputError(`${field} must be a size in bytes such as 67108864, 64M or 1G; got "${text.slice(0, 40)}".`);
  return Math.floor(Number(match[1]) * unit);
}

/** Builds the pipe-pane command of a job window; one per manager. */
export class LogCap {
  private splitSupport: Promise<boolean> | undefined;
  private countBytesSupport: Promise<boolean> | undefined;
  private readonly scripts = new Set<string>();

  constructor(private readonly options: { maxLogBytes: number; onUncapped?: (reason: string) => void }) {}

  /** Bytes per chunk: output.log rotates once it would pass this. */
  get chunkBytes(): number {
    return Math.max(1, Math.floor(this.options.maxLogBytes / 2));
  }

  /**
   * The shell command pipe-pane runs for a job (tmux escaping is the caller's): the capped writer,
   * or plain `cat >>` where GNU split with --filter is missing (busybox), which is then uncapped.
   */
  async pipeCommand(jobDir: string, logPath: string): Promise<string> {
    const failed = shellQuote(path.join(jobDir, LOG_FAILED_NAME));
    const plain = `cat >> ${shellQuote(logPath)} || : > ${failed}`;
    if (!(await this.supportsSplitFilter())) return plain;
    const script = path.join(jobDir, ROTATE_SCRIPT_NAME);
    if (!this.scripts.has(script)) {
      // Jobs made before logs were capped have no script yet; writing it is cheap and idempotent.
      const ok = await fs.writeFile(script, LOG_ROTATE_SCRIPT, { mode: 0o700 }).then(() => true, () => false);
      if (!ok) return plain;
      this.scripts.add(script);
    }
    const chunk = this.chunkBytes;
    // An empty log (every job's first chunk) needs no rotation: plain sh goes straight to cat,
    // which saves starting bash before the job's first output reaches the log.
    // A failed write (a full disk) leaves the marker that says the output is no longer recorded.
    const filter = `if [ -s ${shellQuote(logPath)} ]; then exec bash ${shellQuote(script)} ${shellQuote(jobDir)} ${chunk}; elif cat >> ${shellQuote(logPath)}; then rm -f ${failed}; else : > ${failed}; fi`;
    // split names each chunk prefix+suffix for the filter ($FILE); no file is made with that name.
    // It runs the filter with $SHELL, which is the user's (maybe fish): pin it to sh.
    const split = `SHELL=/bin/sh exec split -d -b ${chunk} --filter=${shellQuote(filter)} - ${shellQuote(path.join(jobDir, "chunk."))}`;
    if (!(await this.supportsCountBytes())) return split;
    // The first chunk goes to the log through dd, which runs from the moment the pipe opens: the
    // job's first output no longer waits for split to start sh and cat (a pre-started pane's first
    // line reached the log in 3.2 ms instead of 4.2). dd writes each read as it comes (bs=; head
    // would hold it in stdio's buffer) and stops after exactly `chunk` bytes, leaving the rest in
    // the pipe for split, whose first chunk finds a full log and rotates it as usual.
    return `dd bs=65536 iflag=count_bytes count=${chunk} status=none >> ${shellQuote(logPath)} || : > ${failed}; ${split}`;
  }

  /** GNU dd with iflag=count_bytes and status=none (coreutils >= 8.20); checked once. */
  supportsCountBytes(): Promise<boolean> {
    this.countBytesSupport ??= execa("dd", ["bs=65536", "iflag=count_bytes", "count=1", "status=none", "of=/dev/null"], { input: "ab", reject: false, timeout: 5000 })
      .then((result) => result.exitCode === 0)
      .catch(() => false);
    return this.countBytesSupport;
  }

  /** GNU split >= 8.13 has --filter; checked once (a missing or busybox split says no). */
  supportsSplitFilter(): Promise<boolean> {
    this.splitSupport ??= execa("split", ["--filter=cat", "-b", "1", "-", "/dev/null/never"], { input: "", reject: false, timeout: 5000 })
      .then((result) => result.exitCode === 0)
      .catch(() => false)
      .then((ok) => {
        if (!ok) this.options.onUncapped?.("GNU split with --filter not found: job logs are not capped");
        return ok;
      });
    return this.splitSupport;
  }
}
