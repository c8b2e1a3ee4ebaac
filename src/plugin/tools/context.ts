// What every tool needs from the plugin: the manager (opened once), how to name the attach
// command, and the shared argument pieces.
import { tool } from "@opencode-ai/plugin";
import type { JobManager } from "../../core/manager.js";
import { InvalidInputError } from "../../core/errors.js";
import { LIMITS } from "../../core/launch/create-input.js";

export interface ToolDeps {
  /** The manager; rejects with a clear error when it could not be opened. */
  manager: () => Promise<JobManager>;
  /** Plugin-option defaults of tool arguments. */
  defaults?: { notifyOnExit?: boolean } | undefined;
}

const z = tool.schema;

export const STATUS_VALUES = ["pending", "running", "completed", "failed", "cancelled"] as const;

/** `processId`, with the original plugin's `taskId` accepted as an alias. */
export const processIdArgs = {
  processId: z.string().min(1).max(64).optional().describe("The process id, as returned by createBackgroundProcess or listBackgroundProcesses."),
  taskId: z.string().min(1).max(64).optional().describe("Alias of processId (older prompts use it)."),
};

export const tagsArg = z
  .array(z.string().min(1).max(LIMITS.tagChars))
  .max(LIMITS.tags);

/** `sessionId: "all"`: every chat session of the project, asked for on purpose. */
export const ALL_SESSIONS = "all";

/**
 * `sessionId: "current"` means the calling session: a model does not know its own id. "all" (and
 * nothing) means no session filter; kill tells the two apart itself (see kill.ts).
 */
export function resolveSessionId(value: string | undefined, callingSessionId: string): string | undefined {
  if (value === undefined || value === "" || value === ALL_SESSIONS) return undefined;
  return value === "current" ? callingSessionId : value;
}

export function requireProcessId(args: { processId?: string | undefined; taskId?: string | undefined }): string {
  const id = args.processId ?? args.taskId;
  if (!id) throw new InvalidInputError("Give processId (the id from createBackgroundProcess or listBackgroundProcesses).");
  return id;
}
