// Whether an unfinished output line (no newline yet) looks like a question or prompt that waits
// for a person's answer: the first half of the waiting-for-input alarm (input-wait.ts). Pure.
import stripAnsi from "strip-ansi";

/** Phrases that ask, wherever they stand in the line. */
const ASKS = [
  /\((?:y\/n|yes\/no)\)/i, // (y/n) (Y/n) (yes/no)
  /\[(?:y\/n|yes\/no)\]/i, // [Y/n] [y/N]
  /\bpassword\b[^:]*:\s*$/i, // "Password:", "Password for alice: "
  /\bpassphrase\b/i,
  /\b(?:continue|proceed)\s*\?/i,
];

/** Endings of a prompt line, whitespace included: a progress line ("45% done") has none of them. */
const ENDINGS = /(?:\? |> |: |\?)$/;

/** Longest line worth matching: a prompt is short; a huge unfinished line is output, not a question. */
const MAX_PROMPT_CHARS = 500;

/** True for `Proceed? (y/N) `, `Password: `, `>>> ` and the like; false for progress and blank lines. */
export function looksLikePrompt(line: string): boolean {
  // Length first: this runs after every read of a busy log, on its unfinished last line.
  if (line.length > MAX_PROMPT_CHARS * 4) return false;
  const text = stripAnsi(line);
  if (text.trim() === "" || text.length > MAX_PROMPT_CHARS) return false;
  if (ASKS.some((pattern) => pattern.test(text))) return true;
  return ENDINGS.test(text) && /[\p{L}\p{N}>?]/u.test(text);
}
