// A persistent tmux control-mode client (`tmux -C attach`): one spawned process answers every
// command in well under a millisecond, where spawning tmux per command costs ~8-15 ms here.
// It attaches with ignore-size,no-output, so it neither resizes windows nor receives output.
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { commandLine } from "./command-line.js";
import { classifyTmuxFailure, TmuxServerGoneError } from "./errors.js";

interface PendingRequest {
  args: readonly string[];
  expectedBlocks: number;
  blocks: number;
  output: string[];
  resolve: (stdout: string) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/** Raised when the control client is gone; callers fall back to spawning tmux. */
export class ControlClientClosedError extends Error {}

const REQUEST_TIMEOUT_MS = 15_000;

export class ControlClient {
  private readonly child: ChildProcess;
  private readonly queue: PendingRequest[] = [];
  /** The block being read: its number, and whether it is the attach command's own reply. */
  private block: { number: string; lines: string[] } | undefined;
  private ready = false;
  private closedError: Error | undefined;

  private constructor(child: ChildProcess, private readonly onReady: () => void, private readonly onFail: (error: Error) => void) {
    this.child = child;
    createInterface({ input: child.stdout! }).on("line", (line) => this.onLine(line));
    child.on("exit", () => this.fail(new TmuxServerGoneError("tmux control client exited")));
    child.on("error", (error) => this.fail(error));
    child.stdin!.on("error", () => undefined);
  }

  /** Attaches a control client to `session`; resolves once tmux has answered the attach. */
  static start(binary: string, socketArgs: readonly string[], session: string, env: NodeJS.ProcessEnv): Promise<ControlClient> {
    return new Promise((resolve, reject) => {
      const child = spawn(binary, [...socketArgs, "-C", "attach-session", "-f", "ignore-size,no-output", "-t", `=${session}`], {
        env,
        stdio: ["pipe", "pipe", "ignore"],
      });
      const client: ControlClient = new ControlClient(child, () => resolve(client), reject);
    });
  }

  get alive(): boolean {
    return this.ready && !this.closedError;
  }

  /** Runs commands as one line (tmux runs a line's commands back to back) and returns their output. */
  run(commands: readonly (readonly string[])[]): Promise<string> {
    if (!this.alive) return Promise.reject(new ControlClientClosedError("tmux control client is not running"));
    const line = commandLine(commands);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        // The protocol can no longer be trusted to line up: drop the client, callers fall back.
        this.fail(new ControlClientClosedError("tmux control client stopped answering"));
      }, REQUEST_TIMEOUT_MS);
      this.queue.push({ args: commands.flat(), expectedBlocks: commands.length, blocks: 0, output: [], resolve, reject, timer });
      this.child.stdin!.write(`${line}\n`);
    });
  }

  close(): void {
    this.fail(new ControlClientClosedError("tmux control client closed"));
    this.child.stdin!.end();
    this.child.kill();
  }

  // Replies come as %begin TIME NUMBER FLAGS, output lines, then %end or %error with the same
  // NUMBER; every command of a line gets its own block, and a failing command ends the line.
  // Lines outside blocks are notifications (%window-add, %exit, ...).
  private onLine(line: string): void {
    if (this.block) {
      const end = /^%(end|error) \d+ (\d+) \d+$/.exec(line);
      if (end && end[2] === this.block.number) {
        const lines = this.block.lines;
        this.block = undefined;
        this.onBlock(end[1] === "error", lines);
      } else {
        this.block.lines.push(line);
      }
      return;
    }
    const begin = /^%begin \d+ (\d+) \d+$/.exec(line);
    if (begin?.[1]) this.block = { number: begin[1], lines: [] };
    else if (line.startsWith("%exit")) this.fail(new TmuxServerGoneError("tmux control client exited"));
  }

  private onBlock(isError: boolean, lines: string[]): void {
    if (!this.ready) {
      // The first block answers our own attach-session.
      this.ready = !isError;
      if (isError) this.fail(new TmuxServerGoneError(lines.join("\n") || "tmux control client could not attach"));
      else this.onReady();
      return;
    }
    const request = this.queue[0];
    if (!request) return;
    if (isError) {
      this.queue.shift();
      clearTimeout(request.timer);
      request.reject(classifyTmuxFailure(request.args, lines.join("\n")));
      return;
    }
    request.output.push(...lines);
    if (++request.blocks < request.expectedBlocks) return;
    this.queue.shift();
    clearTimeout(request.timer);
    request.resolve(request.output.join("\n"));
  }

  private fail(error: Error): void {
    if (this.closedError) return;
    this.closedError = error;
    if (!this.ready) this.onFail(error);
    for (const request of this.queue.splice(0)) {
      clearTimeout(request.timer);
      request.reject(error instanceof ControlClientClosedError ? error : new ControlClientClosedError(error.message));
    }
    if (this.child.exitCode === null) this.child.kill();
  }
}
