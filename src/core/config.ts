// One resolved configuration for the core, from plugin options, then environment variables,
// then defaults. Validated once here so the rest of the code works on typed values.
import os from "node:os";
import path from "node:path";
import { z } from "zod";
import { InvalidInputError } from "./errors.js";
import { DEFAULT_MAX_LOG_BYTES, MIN_MAX_LOG_BYTES, parseByteSize } from "./output/log-cap.js";

export const ConfigSchema = z.object({
  /** Private tmux server name (`tmux -L`); unset = the user's default server. */
  tmuxSocket: z.string().regex(/^[A-Za-z0-9_.-]{1,100}$/, "use letters, digits, '.', '_' or '-'").optional(),
  /** The tmux session that holds every job window. */
  sessionName: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "use letters, digits, '_' or '-'").default("opencode-bg"),
  /** Where job folders live. */
  stateDir: z.string().min(1),
  /** Lines kept in memory per job (the log file on disk keeps everything). */
  ringLines: z.number().int().min(100).max(100_000).default(2000),
  /** Characters kept in memory per job. */
  ringChars: z.number().int().min(10_000).max(64 * 1024 * 1024).default(1024 * 1024),
  /** How long a killed process tree gets between SIGTERM and SIGKILL. */
  killGraceMs: z.number().int().min(0).max(60_000).default(3000),
  /** Interval of the cheap liveness check (kill(pid, 0)) that catches wrappers killed with SIGKILL. */
  livenessIntervalMs: z.number().int().min(100).max(60_000).default(2000),
  /** Cap of one job's log files on disk; the newest output is kept (OPENCODE_BG_MAX_LOG_BYTES). */
  maxLogBytes: z.number().int().min(MIN_MAX_LOG_BYTES, `must be at least ${MIN_MAX_LOG_BYTES} bytes`).max(2 ** 40).default(DEFAULT_MAX_LOG_BYTES),
  /** First wait before an automatic restart; it doubles with each one. */
  restartBackoffMs: z.number().int().min(10).max(60_000).default(1000),
  /** Longest wait before an automatic restart. */
  restartBackoffMaxMs: z.number().int().min(10).max(3_600_000).default(30_000),
  /** Silence after a prompt-like unfinished line before the waiting-for-input alarm goes off. */
  inputWaitMs: z.number().int().min(100).max(3_600_000).default(3000),
});
export type CoreConfig = z.infer<typeof ConfigSchema>;
export type CoreConfigInput = z.input<typeof ConfigSchema>;

/** The state dir default: $XDG_STATE_HOME/opencode-bg, or ~/.local/state/opencode-bg. */
export function defaultStateDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_STATE_HOME || path.join(env.HOME || os.homedir(), ".local", "state");
  return path.join(base, "opencode-bg");
}

/** Reads OPENCODE_BG_* variables; explicit options win over them. */
export function resolveConfig(options: Partial<CoreConfigInput> = {}, env: NodeJS.ProcessEnv = process.env): CoreConfig {
  const fromEnv: Partial<CoreConfigInput> = {
    tmuxSocket: env.OPENCODE_BG_TMUX_SOCKET || undefined,
    sessionName: env.OPENCODE_BG_SESSION || undefined,
    stateDir: env.OPENCODE_BG_STATE_DIR || undefined,
    maxLogBytes: env.OPENCODE_BG_MAX_LOG_BYTES ? parseByteSize(env.OPENCODE_BG_MAX_LOG_BYTES, "OPENCODE_BG_MAX_LOG_BYTES") : undefined,
  };
  const merged = { ...dropUndefined(fromEnv), ...dropUndefined(options) };
  const result = ConfigSchema.safeParse({ stateDir: defaultStateDir(env), ...merged });
  if (!result.success) {
    const issues = result.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`).join("; ");
    throw new InvalidInputError(`Invalid opencode-bg configuration: ${issues}`);
  }
  return { ...result.data, stateDir: path.resolve(result.data.stateDir) };
}

function dropUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
