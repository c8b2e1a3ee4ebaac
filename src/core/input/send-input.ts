// Validation of input typed into a job's window: key names from a fixed safe set, text lines
// short enough for the terminal (which cuts a line at 4095 bytes), and sane totals.
import { CONTROL_CHARS_BUT_TAB_LF } from "../control-chars.js";
import { InvalidInputError } from "../errors.js";

/** Bounds on typed input; `lineBytes` stays under the terminal's 4095-byte line limit. */
export const INPUT_LIMITS = {
  lineBytes: 4000,
  textBytes: 64 * 1024,
  keys: 50,
} as const;

/** Input as the tool, the CLI and the manager pass it to tmux send-keys. */
export interface SendInput {
  text?: string | undefined;
  keys?: readonly string[] | undefined;
  enter?: boolean | undefined;
}

// tmux key names: an optional C-/M-/S- prefix (any order, each once at most in practice) and a
// named key or one printable character. Case-insensitive like tmux itself.
const NAMED_KEYS = [
  "Enter", "Escape", "Tab", "BTab", "BSpace", "Space", "Up", "Down", "Left", "Right", "Home", "End",
  "PageUp", "PageDown", "PgUp", "PgDn", "PPage", "NPage", "IC", "DC", "Insert", "Delete",
  "F1", "F2", "F3", "F4", "F5", "F6", "F7", "F8", "F9", "F10", "F11", "F12",
];
const KEY_PATTERN = new RegExp(`^(?:[CMS]-){0,3}(?:${NAMED_KEYS.join("|")}|[!-~])$`, "i");

/** Whether a key name is one send-keys may press (e.g. "C-c", "Enter", "Up", "M-x", "F5", "y"). */
export function isValidKeyName(key: string): boolean {
  return typeof key === "string" && KEY_PATTERN.test(key);
}

/** Checks input before anything is typed; throws InvalidInputError naming the field and limit. */
export function validateSendInput(input: SendInput): void {
  const keys = input.keys ?? [];
  if (keys.length > INPUT_LIMITS.keys) throw new InvalidInputError(`${keys.length} keys given; the limit is ${INPUT_LIMITS.keys}.`);
  for (const key of keys) {
    if (!isValidKeyName(key)) {
      throw new InvalidInputError(`key "${String(key).slice(0, 40)}" is not a key name: use tmux names such as C-c, C-d, Enter, Escape, Tab, Up, Down, PageUp, F5, M-x, or one character; put text in text.`);
    }
  }
  const text = input.text ?? "";
  if (typeof text !== "string") throw new InvalidInputError("text must be a string.");
  const totalBytes = Buffer.byteLength(text, "utf8");
  if (totalBytes > INPUT_LIMITS.textBytes) {
    throw new InvalidInputError(`text is ${totalBytes} bytes; the limit is ${INPUT_LIMITS.textBytes}. Write long input to a file and have the process read it.`);
  }
  // Control characters other than newline and tab: keys do that job, visibly.
  if (CONTROL_CHARS_BUT_TAB_LF.test(text)) {
    throw new InvalidInputError("text contains a control character; send control keys with keys, e.g. keys: [\"C-c\"] or [\"Escape\"].");
  }
  text.split("\n").forEach((line, index) => {
    const bytes = Buffer.byteLength(line, "utf8");
    if (bytes > INPUT_LIMITS.lineBytes) {
      throw new InvalidInputError(`text line ${index + 1} is ${bytes} bytes; the limit is ${INPUT_LIMITS.lineBytes} per line (a terminal cuts a line at 4095 bytes). Write long input to a file and have the process read it.`);
    }
  });
  if (text === "" && keys.length === 0 && !input.enter) throw new InvalidInputError("nothing to send: give text, keys or enter: true.");
}
