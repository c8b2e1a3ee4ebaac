// Where the CLI writes: stdout/stderr with backpressure, colour decided once per stream, and the
// terminal width for tables. Tests and pipes get plain text without a width limit.
import { colorEnabled, painter, type Painter } from "./colors.js";

/** One output stream as the commands see it. */
export interface Output {
  /** Writes text, waiting when the stream is full (a large log piped into `less`). */
  write(text: string | Uint8Array): Promise<void>;
  /** Writes text plus a newline. */
  line(text?: string): Promise<void>;
  readonly paint: Painter;
  readonly isTTY: boolean;
  /** Terminal columns, or undefined when not a terminal (then nothing is truncated to fit). */
  readonly columns: number | undefined;
}

/** Wraps a Node stream (process.stdout / process.stderr). */
export function outputFor(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv): Output {
  const isTTY = stream.isTTY === true;
  const write = (text: string | Uint8Array) =>
    new Promise<void>((resolve, reject) => {
      const ok = stream.write(text, (error) => (error ? reject(error) : undefined));
      if (ok) resolve();
      else stream.once("drain", resolve);
    });
  return {
    write,
    line: (text = "") => write(`${text}\n`),
    paint: painter(colorEnabled(stream, env)),
    isTTY,
    get columns() {
      if (!isTTY) return undefined;
      const fromEnv = Number.parseInt(env.COLUMNS ?? "", 10);
      return stream.columns || (fromEnv > 0 ? fromEnv : undefined);
    },
  };
}
