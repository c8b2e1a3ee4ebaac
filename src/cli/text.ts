// Making a value safe for one row of terminal output (widths and truncation live in src/text).

/** Replaces tabs and other control characters so a value cannot break a table row. */
export function oneLine(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, " ");
}
