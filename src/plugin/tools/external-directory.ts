// The `external_directory` permission for a working directory outside the project, asked the way
// OpenCode 1.18.33's own bash tool asks it for its `workdir` (read from the shipped binary:
// ShellTool.resolvePath = path.resolve(directory, workdir); Instance.containsPath; ShellTool.ask).
// The user's `external_directory` rules (allow/ask/deny, patterns like "/tmp/*") then apply to
// background commands as they do to bash; a refusal rejects ctx.ask and nothing starts.
import path from "node:path";
import type { ToolContext } from "@opencode-ai/plugin";

/**
 * OpenCode's Instance.containsPath: inside the project directory, or inside its worktree unless
 * the worktree is "/" (a project without git). Lexical, like OpenCode's (path.relative, no realpath).
 */
export function insideProject(target: string, ctx: Pick<ToolContext, "directory" | "worktree">): boolean {
  if (contains(ctx.directory, target)) return true;
  if (ctx.worktree === "/") return false;
  return contains(ctx.worktree, target);
}

/** OpenCode's Filesystem.contains: `child` is `parent` or below it. */
function contains(parent: string, child: string): boolean {
  const relative = path.relative(parent, child);
  return relative === "" || (!path.isAbsolute(relative) && relative !== ".." && !relative.startsWith(`..${path.sep}`));
}

/** Asks `external_directory` for `dir` (absolute) when it lies outside the project; rejects when refused. */
export async function askExternalDirectory(ctx: ToolContext, dir: string, command: string): Promise<void> {
  if (insideProject(dir, ctx)) return;
  // Exactly the bash tool's request: pattern and "always" pattern "<dir>/*".
  const patterns = [path.join(dir, "*")];
  await ctx.ask({ permission: "external_directory", patterns, always: patterns, metadata: { command, directories: [dir], patterns } });
}
