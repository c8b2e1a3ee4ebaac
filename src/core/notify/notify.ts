// A job asks to tell the agent something by printing a line `OPENCODE_NOTIFY: <message>`.

/** Prefix of a notify line: must start the line exactly (no indent), case-sensitive. */
export const NOTIFY_MARKER = "OPENCODE_NOTIFY:";

/** The message of a notify line, trimmed; undefined if the line is not one or the message is blank. */
export function parseNotifyLine(line: string): string | undefined {
  if (!line.startsWith(NOTIFY_MARKER)) return undefined;
  const message = line.slice(NOTIFY_MARKER.length).trim();
  return message === "" ? undefined : message;
}
