// The one place that runs the tmux binary. Everything is an argv array (no shell, no string
// building from user input); several commands go into ONE invocation separated by a lone ";",
// which tmux runs before it reads anything from a new pane's pty.
import { realpathSync } from "node:fs";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { execa } from "execa";
import { isQuotable } from "./command-line.js";
import { ControlClient, ControlClientClosedError } from "./control.js";
import { classifyTmuxFailure, TmuxNotFoundError, TmuxServerGoneError, TmuxVersionError } from "./errors.js";

export type TmuxCommand = readonly string[];

export interface TmuxClientOptions {
  /** A private server name (`tmux -L NAME`); undefined means the user's default server. */
  socketName?: string | undefined;
  /** A server by its socket's path (`tmux -S PATH`), e.g. the one a job was started on; wins over socketName. */
  socketPath?: string | undefined;
  /** The tmux binary; "tmux" from PATH by default. */
  binary?: string;
  /** Environment for tmux calls; TMUX and TMUX_PANE are always removed from it. */
  env?: NodeJS.ProcessEnv;
}

/**
 * Where tmux puts the socket of `-L name` (the default server without a name): $TMUX_TMPDIR or
 * /tmp, then tmux-UID (tmux resolves that directory's real path, so do we).
 */
export function socketPathFor(socketName: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const dir = path.join(env.TMUX_TMPDIR || "/tmp", `tmux-${process.getuid?.() ?? 0}`);
  let real = dir;
  try {
    real = realpathSync(dir);
  } catch {
    // No server has made it yet: the unresolved path is what tmux will resolve it to, usually.
  }
  return path.join(real, socketName || "default");
}

// 3.2 brought attach-session -f (ignore-size, no-output) for the control-mode client. Tested on
// 3.2a, 3.3a, 3.4, 3.5a and 3.7c (npm run test:tmux). 3.2 has no #{pane_dead_signal}: a job whose
// wrapper was SIGKILLed then ends with "status unknown" instead of the signal's name.
export const MIN_TMUX_VERSION = { major: 3, minor: 2 } as const;

/** A tmux server handle: which socket, which binary, and how to run commands on it. */
export class TmuxClient {
  readonly socketName: string | undefined;
  readonly socketPath: string | undefined;
  private readonly binary: string;
  private readonly env: NodeJS.ProcessEnv;
  private control: ControlClient | undefined;
  private controlStarting: Promise<void> | undefined;
  /** Counts close() calls, so a control client that finishes starting after one is closed at once. */
  private closes = 0;

  constructor(options: TmuxClientOptions = {}) {
    this.socketName = options.socketName || undefined;
    this.socketPath = options.socketPath || undefined;
    this.binary = options.binary ?? "tmux";
    // Inside a tmux pane, TMUX would make tmux talk to THAT server instead of ours.
    const env = { ...(options.env ?? process.env) };
    delete env.TMUX;
    delete env.TMUX_PANE;
    // A server started from inside a job would carry its kill marker and die with that job.
    delete env.OPENCODE_BG_JOB;
    // ... and its state dir marker: a server is never a stray job of any state dir.
    delete env.OPENCODE_BG_STATE;
    this.env = env;
  }

  /** The argv prefix that selects our server, for commands a person can paste (attach). */
  get socketArgs(): string[] {
    if (this.socketPath) return ["-S", this.socketPath];
    return this.socketName ? ["-L", this.socketName] : [];
  }

  /**
   * Keeps a control-mode client attached to `session` so later commands skip spawning tmux.
   * Best effort: if it cannot start, commands keep spawning tmux.
   */
  async useControlMode(session: string): Promise<void> {
    if (this.control?.alive) return;
    const generation = this.closes;
    this.controlStarting ??= ControlClient.start(this.binary, this.socketArgs, session, this.env)
      .then((client) => {
        // Closed while it was starting: close it now that it is attached. Killing a control client
        // before its attach is answered can crash tmux < 3.7 (see control-safety.ts).
        if (generation !== this.closes) client.close();
        else this.control = client;
      })
      .catch(() => {
        this.control = undefined;
      })
      .finally(() => {
        this.controlStarting = undefined;
      });
    await this.controlStarting;
  }

  /** Whether commands currently go through the control-mode client. */
  get controlModeActive(): boolean {
    return this.control?.alive ?? false;
  }

  /** Stops the control-mode client, and one still starting once it is attached (the server and its windows are untouched). */
  close(): void {
    this.closes++;
    this.control?.close();
    this.control = undefined;
  }

  /**
   * Runs one or more tmux commands in a single invocation and returns stdout: through the
   * control-mode client when one is attached, else by spawning tmux. Only for our own values:
   * text a user typed goes through runSpawned (argv, never a command line).
   */
  async run(...commands: TmuxCommand[]): Promise<string> {
    const control = this.control;
    if (control?.alive && commands.every((command) => command.every(isQuotable))) {
      try {
        return await control.run(commands);
      } catch (error) {
        if (!(error instanceof ControlClientClosedError)) throw error;
        this.control = undefined;
      }
    }
    return this.runSpawned(...commands);
  }

  /** Runs tmux commands by spawning tmux with an argv array; nothing is parsed as a command line. */
  async runSpawned(...commands: TmuxCommand[]): Promise<string> {
    const args = joinCommands(commands);
    let result;
    try {
      result = await execa(this.binary, [...this.socketArgs, ...args], {
        env: this.env,
        extendEnv: false,
        reject: false,
        stdin: "ignore",
        stripFinalNewline: true,
        timeout: 15_000,
      });
    } catch (error) {
      throw mapSpawnError(error);
    }
    if (isNotFound(result)) throw new TmuxNotFoundError({ cause: result });
    if (result.failed) throw classifyTmuxFailure(args, String(result.stderr ?? ""), result.exitCode);
    return String(result.stdout ?? "");
  }

  /** Like run, but retries briefly when a server is just exiting or starting (a known tmux race). */
  async runRetrying(...commands: TmuxCommand[]): Promise<string> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.run(...commands);
      } catch (error) {
        const transient = error instanceof TmuxServerGoneError && /exited unexpectedly/i.test(error.stderr);
        if (!transient || attempt >= 4) throw error;
        await sleep(200);
      }
    }
  }

  /** Checks that tmux exists and is new enough; returns the version text (e.g. "3.3a"). */
  async checkVersion(): Promise<string> {
    const text = await this.run(["-V"]).catch((error: unknown) => {
      throw error instanceof TmuxNotFoundError ? error : new TmuxNotFoundError({ cause: error });
    });
    const version = parseTmuxVersion(text);
    if (!version.supported) {
      const minimum = `${MIN_TMUX_VERSION.major}.${MIN_TMUX_VERSION.minor}`;
      throw new TmuxVersionError(`tmux ${version.text} is too old; opencode-bg needs tmux >= ${minimum}: install a newer tmux from your distribution or Homebrew`);
    }
    return version.text;
  }
}

/** Parses `tmux -V` output ("tmux 3.3a", "tmux next-3.5", "tmux master"). */
export function parseTmuxVersion(output: string): { text: string; supported: boolean } {
  const text = output.replace(/^tmux\s+/, "").trim();
  return { text, supported: tmuxVersionAtLeast(text, MIN_TMUX_VERSION) };
}

/** Whether a version text ("3.3a", "next-3.6") is `minimum` or newer; a development build without a number ("master") is. */
export function tmuxVersionAtLeast(text: string, minimum: { major: number; minor: number }): boolean {
  const match = /(\d+)\.(\d+)/.exec(text);
  if (!match) return /master|next/i.test(text);
  const major = Number(match[1]);
  const minor = Number(match[2]);
  return major > minimum.major || (major === minimum.major && minor >= minimum.minor);
}

function joinCommands(commands: TmuxCommand[]): string[] {
  const args: string[] = [];
  commands.forEach((command, index) => {
    if (index > 0) args.push(";");
    args.push(...command.map(escapeTrailingSemicolon));
  });
  return args;
}

/**
 * tmux ends a command at any argument that ENDS with ";" (and drops that ";"), unless it ends
 * with "\\;", which it turns into ";". One inserted backslash keeps every argument literal.
 */
export function escapeTrailingSemicolon(arg: string): string {
  return arg.endsWith(";") ? `${arg.slice(0, -1)}\\;` : arg;
}

function isNotFound(result: { code?: string; failed: boolean; cause?: unknown }): boolean {
  return result.failed && (result.code === "ENOENT" || (result.cause as { code?: string } | undefined)?.code === "ENOENT");
}

function mapSpawnError(error: unknown): Error {
  const code = (error as { code?: string }).code;
  if (code === "ENOENT") return new TmuxNotFoundError({ cause: error });
  return error instanceof Error ? error : new Error(String(error));
}
