// Finds, in raw log bytes, the lines whose clean text is sure not to be an event, so a reader
// that no consumer needs every line from (see LogTailer's `everyLine`) can keep them as bytes and
// never decode them. Cleaning a line only ever removes text (escapes, controls, `\b` and the
// character before it, what a `\r` redraw replaces) and turns bad UTF-8 into U+FFFD, and a line
// starts afresh after each `\n`: so a notify marker can be in the clean line only if its bytes
// are in the raw line in order, maybe with other bytes between. A "plain" line is one where
// they are not (coloured output included), and without the wrapper's exit marker.
import { EXIT_MARKER_PREFIX } from "../launch/wrapper.js";
import { NOTIFY_MARKER } from "../notify/notify.js";

const NEWLINE = 0x0a;
const MARKER_BYTES = Buffer.from(NOTIFY_MARKER, "utf8");
const EXIT_BYTES = Buffer.from(EXIT_MARKER_PREFIX, "utf8");

/**
 * Calls `visit` for each complete line in bytes [from, to) (a line ends just past its `\n`; bytes
 * after the last `\n` are not visited) with whether it is plain. Lines longer than
 * `maxPlainBytes` are never plain (a reader keeps plain lines' bytes). Returns where the
 * unvisited rest starts. No allocation per line: a flood must not make garbage.
 */
export function scanLines(bytes: Buffer, from: number, to: number, maxPlainBytes: number, visit: (start: number, end: number, plain: boolean) => void): number {
  let start = from;
  // How many of the marker's bytes the line has had so far, in order.
  let matched = 0;
  let exit = bytes.indexOf(EXIT_BYTES, from);
  for (let at = from; at < to; at++) {
    const byte = bytes[at] as number;
    if (byte === NEWLINE) {
      let plain = matched < MARKER_BYTES.length && at - start <= maxPlainBytes;
      if (exit !== -1 && exit < at) {
        plain = false;
        exit = bytes.indexOf(EXIT_BYTES, at + 1);
      }
      visit(start, at + 1, plain);
      start = at + 1;
      matched = 0;
    } else if (byte === MARKER_BYTES[matched]) {
      matched++;
    }
  }
  return start;
}
