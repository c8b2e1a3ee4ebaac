// Validation of a create request at the core's boundary: every limit in one place, with
// messages that name the field, the limit and what was received.
import { promises as fs } from "node:fs";
import path from "node:path";
import { CONTROL_CHARS } from "../control-chars.js";
import { InvalidInputError } from "../errors.js";
import { isValidEnvName } from "../job/job-files.js";
import { validateRestartPolicy, type RestartPolicy } from "../restart/restart-policy.js";

export const LIMITS = {
  commandBytes: 64 * 1024,
  nameChars: 100,
  tagChars: 64,
  tags: 20,
  envEntries: 200,
  envBytes: 128 * 1024,
} as const;

export interface CreateJobInput {
  command: string;
  name?: string | undefined;
  tags?: readonly string[] | undefined;
  /** "session" jobs end with their OpenCode session; "global" ones outlive it. Default "session". */
  scope?: "session" | "global" | undefined;
  /** The OpenCode chat session that started the job. */
  sessionId?: string | undefined;
  /** The OpenCode project directory; list calls filter by it. */
  projectDir?: string | undefined;
  /** Working directory; default: projectDir, then this process's cwd. */
  cwd?: string | undefined;
  /** Extra environment on top of baseEnv. */
  env?: Readonly<Record<string, string>> | undefined;
  /** The environment the job starts from; default: this process's. */
  baseEnv?: NodeJS.ProcessEnv | undefined;
  /** Tell the session when the job ends by itself; stored with the job. Default: not set (no). */
  notifyOnExit?: boolean | undefined;
  /** "on-failure": restart the job when it fails by itself (backoff 1 s, 2 s, 4 s ... 30 s). Default "never". */
  restart?: "on-failure" | "never" | undefined;
  /** Most automatic restarts with restart "on-failure" (0-100, default 5). */
  maxRestarts?: number | undefined;
  /** Watches: preset names ("errors") or RE2 patterns; a matching line is an event for the session (watch-spec.ts). */
  watch?: unknown;
  /** Tell the session once when the job is ready: an output pattern or a port (watch-spec.ts). */
  ready?: { pattern: string; ignoreCase?: boolean } | { port: number } | undefined;
}

export interface ValidCreateInput {
  command: string;
  name: string;
  tags: string[];
  scope: "session" | "global";
  sessionId: string | undefined;
  projectDir: string | undefined;
  cwd: string;
  env: Record<string, string>;
  notifyOnExit: boolean | undefined;
  restart: RestartPolicy | undefined;
}

// Control characters would break list output and tmux window names; quotes, '#{}', '%', ';' are fine.

/** Checks a create request and fills in defaults; throws InvalidInputError before anything is created. */
export async function validateCreateInput(input: CreateJobInput): Promise<ValidCreateInput> {
  const command = typeof input.command === "string" ? input.command : "";
  if (command.trim() === "") throw new InvalidInputError("command is empty: give the shell command to run, e.g. \"npm run dev\".");
  const bytes = Buffer.byteLength(command, "utf8");
  if (bytes > LIMITS.commandBytes) {
    throw new InvalidInputError(`command is ${bytes} bytes; the limit is ${LIMITS.commandBytes}. Put a long script in a file and run that file instead.`);
  }
  if (command.includes("\0")) throw new InvalidInputError("command contains a NUL byte, which no shell can run.");

  const name = (input.name ?? "").trim() || defaultName(command);
  if (name.length > LIMITS.nameChars) throw new InvalidInputError(`name is ${name.length} characters; the limit is ${LIMITS.nameChars}.`);
  if (CONTROL_CHARS.test(name)) throw new InvalidInputError("name contains a newline or another control character; use a single line of text.");

  const tags = [...new Set((input.tags ?? []).map((tag) => String(tag).trim()).filter(Boolean))];
  if (tags.length > LIMITS.tags) throw new InvalidInputError(`${tags.length} tags given; the limit is ${LIMITS.tags}.`);
  for (const tag of tags) {
    if (tag.length > LIMITS.tagChars || CONTROL_CHARS.test(tag) || /[\s,]/.test(tag)) {
      throw new InvalidInputError(`tag "${tag.slice(0, 80)}" is not valid: tags are 1-${LIMITS.tagChars} characters without spaces, commas or control characters.`);
    }
  }

  const env = { ...(input.env ?? {}) };
  const envNames = Object.keys(env);
  if (envNames.length > LIMITS.envEntries) throw new InvalidInputError(`${envNames.length} environment variables given; the limit is ${LIMITS.envEntries}.`);
  for (const envName of envNames) {
    if (!isValidEnvName(envName)) throw new InvalidInputError(`environment variable name "${envName}" is not valid: use letters, digits and "_", not starting with a digit.`);
    if (String(env[envName]).includes("\0")) throw new InvalidInputError(`environment variable ${envName} contains a NUL byte.`);
  }
  const envBytes = envNames.reduce((sum, envName) => sum + Buffer.byteLength(`${envName}=${String(env[envName])}`, "utf8"), 0);
  if (envBytes > LIMITS.envBytes) throw new InvalidInputError(`environment variables total ${envBytes} bytes; the limit is ${LIMITS.envBytes}.`);

  const restart = validateRestartPolicy(input.restart, input.maxRestarts);

  const cwd = path.resolve(input.projectDir ?? process.cwd(), input.cwd ?? ".");
  const stat = await fs.stat(cwd).catch(() => undefined);
  if (!stat?.isDirectory()) throw new InvalidInputError(`working directory ${cwd} does not exist or is not a directory.`);

  return {
    command,
    name,
    tags,
    scope: input.scope ?? "session",
    sessionId: input.sessionId,
    projectDir: input.projectDir,
    cwd,
    env,
    notifyOnExit: input.notifyOnExit === undefined ? undefined : input.notifyOnExit === true,
    restart,
  };
}

/** A readable name from the command itself: its first line, shortened. */
export function defaultName(command: string): string {
  const firstLine = command.trim().split("\n")[0]?.replace(new RegExp(CONTROL_CHARS.source, "g"), " ").trim() ?? "";
  return firstLine.length > 40 ? `${firstLine.slice(0, 39)}…` : firstLine || "job";
}
