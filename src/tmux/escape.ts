// Escaping for the places where tmux itself interprets text: formats (#{...}) and the shell
// command of pipe-pane (the shell quoting inside that command is the core's: core/shell.ts).
// Values here come from our own config and ids, never raw user input, but they may still hold a
// space, a quote or a '#', so they are escaped, not trusted.

/** Makes text literal inside a tmux format-expanded argument (-c, -n, display -p, pipe-pane). */
export function escapeFormat(text: string): string {
  return text.replace(/#/g, "##");
}

/** pipe-pane's command is format- AND strftime-expanded before sh sees it: protect both. */
export function escapePipeCommand(shellCommand: string): string {
  return escapeFormat(shellCommand).replace(/%/g, "%%");
}

/** Field separator for -F formats: a tab never appears in ids, pids or our window names. */
export const FIELD_SEPARATOR = "\t";

/** Joins format variables into one -F argument, e.g. ["window_id", "pane_pid"]. */
export function formatFields(names: readonly string[]): string {
  return names.map((name) => `#{${name}}`).join(FIELD_SEPARATOR);
}

/** Splits one line of -F output into exactly `count` fields; the last one keeps any extra tabs. */
export function splitFields(line: string, count: number): string[] {
  const parts = line.split(FIELD_SEPARATOR);
  if (parts.length <= count) return [...parts, ...Array<string>(count - parts.length).fill("")];
  return [...parts.slice(0, count - 1), parts.slice(count - 1).join(FIELD_SEPARATOR)];
}
