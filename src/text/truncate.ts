// Display width and truncation, shared by the plugin and the CLI. Width comes from string-width
// (Unicode's East Asian Width and emoji tables): CJK and emoji take two columns, combining marks
// and zero-width joiners none, so a cut never splits a character and table rows line up.
import stringWidth from "string-width";

/** Terminal columns a text takes. */
export function displayWidth(text: string): number {
  return stringWidth(text);
}

const segmenter = new Intl.Segmenter();
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** A grapheme's columns; a control character counts one, so a text of newlines is not free. */
function columns(segment: string): number {
  return CONTROL.test(segment) ? 1 : displayWidth(segment);
}

/**
 * Shortens to at most `max` columns, ending with "…"; whole graphemes only (an emoji stays
 * whole). For ASCII a column is a character, as the plugin's limits (command 500, line 120) mean.
 */
export function truncate(text: string, max: number): string {
  if (max <= 0) return "";
  // Fast path for the common case: ASCII text is one column per character.
  if (/^[\x20-\x7e]*$/.test(text)) return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
  let total = 0;
  for (const { segment } of segmenter.segment(text)) total += columns(segment);
  if (total <= max) return text;
  let out = "";
  let width = 0;
  for (const { segment } of segmenter.segment(text)) {
    const next = columns(segment);
    if (width + next > max - 1) break;
    out += segment;
    width += next;
  }
  return `${out}…`;
}
