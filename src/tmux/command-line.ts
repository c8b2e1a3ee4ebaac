// Quoting of tmux command-line words, for the control-mode client (which takes lines, not argv).
// Only our own values go this way (ids, names we made, paths from our config); anything a user
// typed is sent with argv by spawning tmux instead (see TmuxClient.runSpawned).
//
// Parsing is the same from tmux 3.2a to 3.7c. What differs is PRINTING: from 3.4 on, text that
// tmux prints (display-message -p, show-options, -F output; spawned or in control mode) goes
// through utf8_strvis (server_client_print), which writes control characters as \ooo or \n;
// 3.4 alone also writes "$HOME", "${X}", "$_" as "\$HOME", "\${X}", "\$_" (fixed in 3.5 by
// tmux commit 692ce59b). The stored value is exact; only its printed copy is not. So nothing
// we read back from tmux may hold user text: we read ids, numbers and names we chose.

// Tab is fine inside quotes; a newline would end the line, other controls are not worth the risk.
const UNQUOTABLE = /[\u0000-\u0008\u000a-\u001f\u007f]/;

/** True when `word` can be written on a tmux command line and read back exactly. */
export function isQuotable(word: string): boolean {
  return !UNQUOTABLE.test(word);
}

/**
 * One word for tmux's command parser: single quotes keep everything literal; a word holding a
 * single quote goes in double quotes, where tmux treats \, " and $ specially, so those are escaped.
 */
export function quoteWord(word: string): string {
  if (!isQuotable(word)) throw new Error("word holds a control character and cannot be quoted for tmux");
  if (!word.includes("'")) return `'${word}'`;
  return `"${word.replace(/[\\"$]/g, (char) => `\\${char}`)}"`;
}

/** A whole line: commands joined by a lone ";" (each command's words quoted). */
export function commandLine(commands: readonly (readonly string[])[]): string {
  return commands.map((command) => command.map(quoteWord).join(" ")).join(" ; ");
}
