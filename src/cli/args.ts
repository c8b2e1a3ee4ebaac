// Argument parsing shared by the commands: node:util parseArgs with its errors turned into usage
// errors, and checked conversions for the values options take (status, counts, ages).
import { parseArgs, type ParseArgsConfig } from "node:util";
import { JobStatusSchema, type JobStatus } from "../core/job/job-files.js";
import { UsageError } from "./errors.js";

/** parseArgs with strict options; a bad option or an unexpected argument becomes a UsageError (exit 2). */
export function parseCommandArgs<T extends ParseArgsConfig>(command: string, config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs<T>({ strict: true, ...config });
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (typeof code === "string" && code.startsWith("ERR_PARSE_ARGS")) throw new UsageError((error as Error).message, command);
    throw error;
  }
}

const STATUSES = JobStatusSchema.options;

/** A job status from the command line, checked against the five that exist. */
export function parseStatus(value: string, command: string): JobStatus {
  const parsed = JobStatusSchema.safeParse(value);
  if (!parsed.success) throw new UsageError(`unknown status "${value}"; use one of: ${STATUSES.join(", ")}`, command);
  return parsed.data;
}

/** A non-negative whole number (e.g. `-n 20`). */
export function parseCount(value: string, option: string, command: string): number {
  if (!/^\d+$/.test(value)) throw new UsageError(`${option} takes a whole number, got "${value}"`, command);
  return Number(value);
}

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };

/** An age such as "30s", "15m", "12h", "7d" or "2w", in milliseconds. */
export function parseAge(value: string, option: string, command: string): number {
  const match = /^(\d+(?:\.\d+)?)([smhdw])$/.exec(value.trim());
  if (!match) throw new UsageError(`${option} takes an age like 30s, 15m, 12h, 7d or 2w, got "${value}"`, command);
  return Number(match[1]) * (UNIT_MS[match[2] as string] ?? 0);
}

/** True when `-h`/`--help` appears before a `--` (after it, it is part of a command or text). */
export function wantsHelp(args: readonly string[]): boolean {
  for (const arg of args) {
    if (arg === "--") return false;
    if (arg === "-h" || arg === "--help") return true;
  }
  return false;
}

/**
 * Splits `run`'s arguments into its own options and the command: the command starts at the first
 * argument that is not an option or an option's value (or after `--`), and everything from there
 * belongs to it, so `run ls -la` runs `ls -la`. `valueOptions` are the options that take a value.
 */
export function splitAtCommand(args: readonly string[], valueOptions: readonly string[]): { own: string[]; command: string[] } {
  const takesValue = new Set(valueOptions);
  for (let index = 0; index < args.length; index++) {
    const arg = args[index] as string;
    if (arg === "--") return { own: args.slice(0, index), command: args.slice(index + 1) };
    if (!arg.startsWith("-") || arg === "-") return { own: args.slice(0, index), command: args.slice(index) };
    if (takesValue.has(arg)) index++;
  }
  return { own: [...args], command: [] };
}
