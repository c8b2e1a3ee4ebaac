// The script every job window runs (wrapper.sh beside this file). It is fixed text: everything
// job-specific (command, cwd, environment, owner) is read from files in the job folder, so no
// user input is ever pasted into a shell or tmux command line.
import { readFileSync } from "node:fs";

/** Environment variable every process of a job inherits; the process-tree kill looks for it. */
export const JOB_MARKER_VARIABLE = "OPENCODE_BG_JOB";

/**
 * The state dir a job belongs to, next to JOB_MARKER_VARIABLE in every job's environment: a
 * manager adopts marker processes whose job folder is gone only when they name its own state
 * dir (test suites and users run several state dirs on one machine). See end/marker-scan.ts.
 */
export const STATE_MARKER_VARIABLE = "OPENCODE_BG_STATE";

/** OSC sequence the wrapper prints after the command: invisible in a terminal, seen by the tailer. */
export const EXIT_MARKER_PREFIX = "\u001b]777;opencode-bg-exit;";

/** The wrapper's text; build copies wrapper.sh next to the compiled module. */
export function wrapperScript(): string {
  cached ??= readFileSync(new URL("./wrapper.sh", import.meta.url), "utf8");
  return cached;
}
let cached: string | undefined;
