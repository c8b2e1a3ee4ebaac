// What every tool needs from the plugin: the manager (opened once), how to name the attach
// command, and the shared argument pieces.
import { tool } from "@opencode-ai/plugin";
import type { JobManager } from "../../core/manager.js";
import { InvalidInputError } from "../../core/errors.js";
import { JobStatusSchema } from "../../core/job/job-files.js";

export interface ToolDeps {
  /** The manager; rejects with a clear error when it could not be opened. */
  manager: () => Promise<JobManager>;
  /** Plugin-option defaults of tool arguments. */
  defaults?: { notifyOnExit?: boolean } | undefined;
}

const z = tool.schema;

export const STATUS_VALUES = JobStatusSchema.options;

// Arguments are types only: the core checks every limit once and says it in its message (a zod
// limit here would answer first, with a generic message, and cost the model schema characters).

/** `processId`: required wherever a tool acts on one process. */
export const processIdArgs = { processId: z.string() };

export const tagsArg = z.array(z.string());

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

/** The id, refused with one message when empty (the schema makes it a string). */
export function requireProcessId(args: { processId?: string | undefined }): string {
  const id = args.processId;
  if (!id) throw new InvalidInputError("Give processId (the id from createBackgroundProcess or listBackgroundProcesses).");
  return id;
}
