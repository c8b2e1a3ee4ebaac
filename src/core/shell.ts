// Quoting for the few shell command lines the core writes itself (the log writer's pipe-pane
// command). They hold only our own paths and numbers, never user input; quoted all the same.

/** Quotes one word for /bin/sh with single quotes. */
export function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}
