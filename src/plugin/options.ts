// Plugin options from opencode.json (`["opencode-bg", { ... }]`). They mirror the environment
// variables; an option given here wins over the variable.
import { z } from "zod";
import { InvalidInputError } from "../core/errors.js";
import type { CoreConfigInput } from "../core/config.js";
import { unknownOptionWarnings } from "./unknown-options.js";

export const PluginOptionsSchema = z
  .object({
    /** Private tmux server name (OPENCODE_BG_TMUX_SOCKET). */
    tmuxSocket: z.string().optional(),
    /** tmux session holding the job windows (OPENCODE_BG_SESSION), default "opencode-bg". */
    sessionName: z.string().optional(),
    /** Where job folders live (OPENCODE_BG_STATE_DIR). */
    stateDir: z.string().optional(),
    /** Grace period between SIGTERM and SIGKILL when killing. */
    killGraceMs: z.number().int().min(0).max(60_000).optional(),
    /** Cap of one job's log files on disk in bytes (OPENCODE_BG_MAX_LOG_BYTES), default 64 MiB; the newest output is kept. */
    maxLogBytes: z.number().int().min(64 * 1024).max(2 ** 40).optional(),
    /** Finished jobs older than this many days are removed when the plugin starts; 0 disables it. */
    gcAfterDays: z.number().min(0).max(3650).default(7),
    /** Longest notification text sent to a session; longer ones are cut. */
    notifyMaxChars: z.number().int().min(100).max(100_000).default(2000),
    /**
     * Cost guard, per chat session: a quiet session's first notification goes out at once; after
     * a prompt, the next waits at least this long, and whatever arrived meanwhile goes in it.
     * (Replaces notifyCoalesceMs, which is no longer read.)
     */
    notifyMinIntervalMs: z.number().int().min(0).max(3_600_000).default(10_000),
    /** Most notification prompts per chat session in any 60 seconds (exit notices included). */
    notifyMaxPerMinute: z.number().int().min(1).max(1000).default(4),
    /** The window notifyMaxPerMinute counts over, default 60 s (tests shorten it to stay quick). */
    notifyWindowMs: z.number().int().min(1000).max(3_600_000).default(60_000),
    /** Default of createBackgroundProcess's notifyOnExit: one prompt when a process ends by itself. */
    notifyOnExit: z.boolean().default(false),
    /** Silence (ms) after a prompt-like unfinished line before the waiting-for-input alarm; default 3000. */
    inputWaitMs: z.number().int().min(100).max(3_600_000).optional(),
  })
  .loose();
export type PluginOptions = z.infer<typeof PluginOptionsSchema>;

/** Validates options once at load; a bad value names the option and what was received. */
export function parsePluginOptions(raw: unknown): PluginOptions {
  const result = PluginOptionsSchema.safeParse(raw ?? {});
  if (!result.success) {
    const issues = result.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`).join("; ");
    throw new InvalidInputError(`Invalid opencode-bg plugin options: ${issues}`);
  }
  return result.data;
}

/** The part of the options the core understands. */
export function coreConfigFrom(options: PluginOptions): Partial<CoreConfigInput> {
  const config: Partial<CoreConfigInput> = {};
  if (options.tmuxSocket) config.tmuxSocket = options.tmuxSocket;
  if (options.sessionName) config.sessionName = options.sessionName;
  if (options.stateDir) config.stateDir = options.stateDir;
  if (options.killGraceMs !== undefined) config.killGraceMs = options.killGraceMs;
  if (options.maxLogBytes !== undefined) config.maxLogBytes = options.maxLogBytes;
  if (options.inputWaitMs !== undefined) config.inputWaitMs = options.inputWaitMs;
  return config;
}

/**
 * Like parsePluginOptions, but never throws: bad options give the defaults plus the error, so
 * the plugin still loads and every tool explains what to fix instead of silently vanishing.
 */
export function loadPluginOptions(raw: unknown): { options: PluginOptions; error?: Error; warnings: string[] } {
  // Unknown names (typos) are kept by .loose() and would be silently ignored: name them instead.
  const warnings = unknownOptionWarnings(raw, Object.keys(PluginOptionsSchema.shape));
  try {
    return { options: parsePluginOptions(raw), warnings };
  } catch (error) {
    return { options: parsePluginOptions({}), error: error instanceof Error ? error : new Error(String(error)), warnings };
  }
}
