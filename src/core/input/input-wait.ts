// The waiting-for-input alarm (issue 12 item 2): a running job whose output stopped on an
// unfinished line that looks like a prompt (input-prompt.ts) and stays silent for `waitMs` raises
// ONE alarm; any new output (a person typing shows as echo) or input sent through the manager
// clears it, and a later prompt can raise it again.
//
// Exactly once across OpenCode instances: the alarm for the prompt that ends at log position P is
// raised by whoever first creates `input-wait.P` in the job folder (hard link: EEXIST for every
// other instance), and only by instances that deliver the job's notifications. The state the
// sidebar, `get` and `list` show lives in `input-wait.json` (written whole, by rename), so
// instances that do not tail the log (the TUI) see it too.
import { promises as fs } from "node:fs";
import path from "node:path";
import type { Job } from "../job/job.js";
import { createExclusive, readJson, writeJson } from "../job/job-files.js";
import { logExtent } from "../output/log-segments.js";
import { looksLikePrompt } from "./input-prompt.js";
import { InputWaitSchema, type InputWait } from "./input-wait-state.js";

export { InputWaitSchema, type InputWait } from "./input-wait-state.js";

/** Longest prompt text kept and sent; the end of the line is what matters. */
const PROMPT_CHARS = 300;

export function inputWaitFile(jobDir: string): string {
  return path.join(jobDir, "input-wait.json");
}

function claimFile(jobDir: string, position: number): string {
  return path.join(jobDir, `input-wait.${position}`);
}

export interface InputWaitDeps {
  /** Silence after a prompt before the alarm goes off. */
  waitMs: number;
  /** Whether this instance may raise the job's alarm (it delivers the job's notifications). */
  raises: (job: Job) => Promise<boolean>;
  /** The alarm went off here (after the claim): tell the agent. */
  onRaise: (job: Job, wait: InputWait) => void;
  /** job.inputWait changed (raised, cleared, or learnt from the file): tell the watchers. */
  onChange: (job: Job) => void;
  /** Marks the job's tmux window (wait) or takes the mark off (undefined). */
  mark: (job: Job, wait: InputWait | undefined) => Promise<void>;
  debug: (message: string, data?: Record<string, unknown>) => void;
}

/**
 * Why "shown": an agent driving a REPL through sendProcessInput sees every `>>> ` in the tool's
 * reply; an alarm 3 s later would cost it a model turn per command, telling it nothing new.
 */
interface Armed {
  position: number;
  timer: NodeJS.Timeout;
}

/** One per manager: a timer per job whose output stopped on a prompt. */
export class InputWaits {
  private readonly armed = new Map<string, Armed>();
  /** Per job, the prompt position a tool result already showed the agent: no alarm for it. */
  private readonly shown = new Map<string, number>();
  private closed = false;

  constructor(private readonly deps: InputWaitDeps) {}

  /** After every read of a job's log: clears a stale alarm, arms or disarms the timer. */
  afterRead(job: Job): void {
    if (this.closed) return;
    const position = job.tailer.bytesRead;
    if (job.inputWait && (position > job.inputWait.position || !job.isActive)) void this.clear(job, position);
    const armed = this.armed.get(job.id);
    if (armed?.position === position) return; // still silent on the same prompt
    this.disarm(job.id);
    if (this.shown.get(job.id) === position) return;
    this.shown.delete(job.id);
    if (!job.isActive || !job.started || !looksLikePrompt(job.tailer.pendingLine())) return;
    const timer = setTimeout(() => void this.fire(job, position).catch((error) => this.deps.debug("input wait failed", { jobId: job.id, error: String(error) })), this.deps.waitMs);
    timer.unref();
    this.armed.set(job.id, { position, timer });
  }

  /** Input was sent to the job through the manager: whatever it answered, the alarm is over. */
  inputSent(job: Job): void {
    this.disarm(job.id);
    if (job.inputWait) void this.clear(job, Number.POSITIVE_INFINITY);
  }

  /** input-wait.json changed (another instance raised or cleared): adopt it. */
  async fileChanged(job: Job, tails: boolean): Promise<void> {
    const wait = await readJson(inputWaitFile(job.paths.dir), InputWaitSchema).catch(() => undefined);
    // A tailing instance that already read past the prompt knows it was answered.
    const current = wait && job.isActive && (!tails || wait.position >= job.tailer.bytesRead) ? wait : undefined;
    // Answered while nobody watched (e.g. between two OpenCode runs): the file and the mark go.
    if (wait && !current && tails && job.isActive) {
      job.inputWait = wait;
      await this.clear(job, job.tailer.bytesRead);
      return;
    }
    if (current?.position === job.inputWait?.position && current?.since === job.inputWait?.since) return;
    job.inputWait = current;
    this.deps.onChange(job);
  }

  /** A tool result just showed the agent the job's unfinished last line: that prompt needs no alarm. */
  promptShown(job: Job): void {
    if (job.tailer.pendingLine() === "" || job.inputWait) return;
    this.disarm(job.id);
    this.shown.set(job.id, job.tailer.bytesRead);
  }

  /** The job ended: no alarm any more, nor a marked (dead) window. */
  ended(job: Job): void {
    this.forget(job.id);
    if (job.inputWait) void this.clear(job, Number.POSITIVE_INFINITY);
  }

  close(): void {
    this.closed = true;
    for (const id of [...this.armed.keys()]) this.disarm(id);
  }

  forget(jobId: string): void {
    this.disarm(jobId);
    this.shown.delete(jobId);
  }

  private disarm(jobId: string): void {
    const armed = this.armed.get(jobId);
    if (!armed) return;
    clearTimeout(armed.timer);
    this.armed.delete(jobId);
  }

  /** The silence lasted: raise the alarm if the log still ends at the prompt and the claim is ours. */
  private async fire(job: Job, position: number): Promise<void> {
    await job.tailer.read();
    if (this.closed || !job.isActive || job.tailer.bytesRead !== position || this.armed.get(job.id)?.position !== position) return;
    const prompt = job.tailer.pendingLine();
    if (!looksLikePrompt(prompt) || !(await this.deps.raises(job))) return;
    // An instance lagging behind must not claim a prompt already answered (its claim file may be gone).
    if ((await logExtent(job.paths.log)).end !== position) return;
    if (!(await createExclusive(claimFile(job.paths.dir, position)))) return;
    const wait: InputWait = { position, prompt: prompt.length > PROMPT_CHARS ? `…${prompt.slice(-(PROMPT_CHARS - 1))}` : prompt, since: Date.now() };
    job.inputWait = wait;
    this.deps.debug("waiting for input", { jobId: job.id, position });
    await writeJson(inputWaitFile(job.paths.dir), wait).catch(() => undefined);
    await removeOlderClaims(job.paths.dir, position);
    this.deps.onChange(job);
    // The person's marks first (a few ms), so whoever hears the event finds the window marked.
    await this.deps.mark(job, wait).catch((error) => this.deps.debug("input wait mark failed", { jobId: job.id, error: String(error) }));
    if (job.inputWait === wait) this.deps.onRaise(job, wait);
    // Answered while the marks went on: an unmark may have run first, so take them off again.
    else if (!job.inputWait) await this.deps.mark(job, undefined).catch(() => undefined);
  }

  /** Output went on past the prompt (or input was sent): the alarm is over, here and on disk. */
  private async clear(job: Job, position: number): Promise<void> {
    const wait = job.inputWait;
    if (!wait) return;
    job.inputWait = undefined;
    this.deps.onChange(job);
    const file = inputWaitFile(job.paths.dir);
    const onDisk = await readJson(file, InputWaitSchema).catch(() => undefined);
    // Another instance may have raised a newer one meanwhile: only this one is removed.
    if (onDisk && onDisk.position < position) await fs.rm(file, { force: true }).catch(() => undefined);
    await this.deps.mark(job, undefined).catch(() => undefined);
  }
}

/** Claims of earlier prompts are done with (the log moved past them). */
async function removeOlderClaims(jobDir: string, position: number): Promise<void> {
  const names = await fs.readdir(jobDir).catch(() => [] as string[]);
  await Promise.all(names.map((name) => {
    const match = /^input-wait\.(\d+)$/.exec(name);
    return match && Number(match[1]) < position ? fs.rm(path.join(jobDir, name), { force: true }).catch(() => undefined) : undefined;
  }));
}
