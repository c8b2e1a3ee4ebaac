// killProcesses: end processes (their whole process trees) by id, session, status or tags.
// Filters alone act on the calling session's processes only (a status or tag filter once killed
// every session's jobs, another session's global database included); sessionId "all" widens
// that on purpose. Only this project's processes are ever reached (see scope.ts).
import { tool, type ToolDefinition } from "@opencode-ai/plugin";
import type { JobFilter } from "../../core/job/filters.js";
import { InvalidInputError } from "../../core/errors.js";
import { formatKillReports } from "../format.js";
import { ALL_SESSIONS, resolveSessionId, STATUS_VALUES, tagsArg, type ToolDeps } from "./context.js";
import { projectJob } from "./scope.js";

const z = tool.schema;

/** Which jobs a kill call reaches, before status and tags narrow it. */
export type KillScope =
  | { kind: "process"; id: string }
  | { kind: "session"; sessionId: string; own: boolean; implicit: boolean }
  | { kind: "all" };

export function killProcessesTool(deps: ToolDeps): ToolDefinition {
  return tool({
    description: [
      "Stop processes and their process trees (SIGTERM, then SIGKILL), closing their windows.",
      "By processId, or by status/tags within this session; sessionId \"all\" or an id widens that.",
    ].join(" "),
    args: {
      processId: z.string().optional(),
      sessionId: z.string().optional(),
      status: z.enum(STATUS_VALUES).optional(),
      tags: tagsArg.optional(),
    },
    async execute(args, ctx) {
      const manager = await deps.manager();
      const id = args.processId;
      const scope = killScope({ id, sessionId: args.sessionId, status: args.status, tags: args.tags }, ctx.sessionID);
      // Another project's id is unknown here: refused before anything is signalled.
      const named = id ? projectJob(manager, id, ctx.directory) : undefined;
      // With a processId, a sessionId given too still narrows (as before); otherwise the scope's session.
      const sessionId = scope.kind === "session" ? scope.sessionId : scope.kind === "process" ? resolveSessionId(args.sessionId, ctx.sessionID) : undefined;
      const filter: JobFilter = {
        // A stray job has no project (see projectJob): its id alone names it.
        ...(named?.detached === "stray" ? {} : { projectDir: ctx.directory }),
        ...(id ? { ids: [id] } : {}),
        ...(sessionId ? { sessionId } : {}),
        ...(args.status ? { status: args.status } : {}),
        ...(args.tags?.length ? { tags: args.tags } : {}),
      };
      const reports = await manager.kill(filter, { reason: "killed with killProcesses" });
      // The scope goes last: the first line stays the first killed process, as before.
      const output = [formatKillReports(reports), `scope: ${describeScope(scope)}`].join("\n");
      const metadata = { killed: reports.map((r) => r.id), scope: scope.kind, ...(sessionId ? { sessionId } : {}) };
      return { title: `killed ${reports.length} process(es)${titleScope(scope)}`, output, metadata };
    },
  });
}

/** The scope of a call; refuses one that names nothing (it would mean "everything"). */
export function killScope(args: { id?: string | undefined; sessionId?: string | undefined; status?: string | undefined; tags?: readonly string[] | undefined }, callingSessionId: string): KillScope {
  if (args.id) return { kind: "process", id: args.id };
  const narrowed = Boolean(args.status) || Boolean(args.tags?.length);
  if (args.sessionId === ALL_SESSIONS) {
    if (!narrowed) throw new InvalidInputError("sessionId \"all\" only widens the scope to every chat session of this project: say which processes with status or tags too, e.g. { \"sessionId\": \"all\", \"status\": \"running\" }.");
    return { kind: "all" };
  }
  if (args.sessionId) {
    const sessionId = resolveSessionId(args.sessionId, callingSessionId) ?? callingSessionId;
    return { kind: "session", sessionId, own: sessionId === callingSessionId, implicit: false };
  }
  if (!narrowed) throw new InvalidInputError("Refusing to kill every process: give at least one filter (processId, sessionId, status or tags).");
  return { kind: "session", sessionId: callingSessionId, own: true, implicit: true };
}

export function describeScope(scope: KillScope): string {
  switch (scope.kind) {
    case "process":
      return `process ${scope.id} of this project`;
    case "all":
      return "every chat session's processes in this project (sessionId \"all\")";
    case "session":
      if (!scope.own) return `session ${scope.sessionId}'s processes in this project`;
      return scope.implicit
        ? "this chat session's processes (filters without processId or sessionId act on this session only; sessionId \"all\" reaches every session of this project)"
        : "this chat session's processes";
  }
}

function titleScope(scope: KillScope): string {
  switch (scope.kind) {
    case "process":
      return "";
    case "all":
      return " (all sessions)";
    case "session":
      return scope.own ? " (this session)" : ` (session ${scope.sessionId})`;
  }
}
