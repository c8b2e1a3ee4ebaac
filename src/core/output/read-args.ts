// A read request from outside (a tool call, the CLI): `lines` and `since` checked once, with a
// message naming the argument and its range. The reader itself clamps whatever it is given.
import { InvalidInputError } from "../errors.js";

/** Most lines one read returns: the size of the in-memory buffer. */
export const MAX_READ_LINES = 2000;

export function validateReadArgs(args: { lines?: unknown; since?: unknown }): { lines?: number; since?: number } {
  const { lines, since } = args;
  if (lines !== undefined && !(typeof lines === "number" && Number.isInteger(lines) && lines >= 1 && lines <= MAX_READ_LINES)) {
    throw new InvalidInputError(`lines must be a whole number from 1 to ${MAX_READ_LINES}; got ${JSON.stringify(lines)?.slice(0, 40)}.`);
  }
  if (since !== undefined && !(typeof since === "number" && Number.isInteger(since) && since >= 0)) {
    throw new InvalidInputError(`since must be a line number (the next read since=N of your last read); got ${JSON.stringify(since)?.slice(0, 40)}.`);
  }
  return { ...(lines !== undefined ? { lines } : {}), ...(since !== undefined ? { since } : {}) };
}
