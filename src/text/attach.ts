// The attach command as people see it (tool results, `opencode-bg run`, `attach` without a terminal).

/** The attach command as one line a person can paste (every part is shell-safe by construction). */
export function formatAttach(argv: readonly string[]): string {
  return argv.join(" ");
}
