// Finds, in raw log bytes, the lines whose clean text is sure not to be an event, so a reader
// that no consumer needs every line from (see LogTailer's `everyLine`) can keep them as bytes and
// never decode them. A "plain" line has no marker bytes and nothing the splitter would remove
// or act on besides `\r` (a redraw only drops text before it: it cannot make a marker appear)
// and tab: no escape sequence, no other control (dropped ones or `\b` could join a marker
// together), no UTF-8 C1 control. Everything else is decoded as before.
import { NOTIFY_MARKER } from "../notify/notify.js";

const NEWLINE = 0x0a;
const MARKER_BYTES = Buffer.from(NOTIFY_MARKER, "utf8");

// 1: the byte makes its line need the splitter. C0 controls but tab, LF and CR; ESC is one of
// them; DEL; 0xC2, the UTF-8 lead byte of U+0080-U+00BF, which holds the C1 controls (a few
// Latin-1 signs share it: such lines are merely decoded at once).
const NOT_PLAIN = new Uint8Array(256);
for (let byte = 0; byte < 0x20; byte++) if (byte !== 0x09 && byte !== 0x0a && byte !== 0x0d) NOT_PLAIN[byte] = 1;
NOT_PLAIN[0x7f] = 1;
NOT_PLAIN[0xc2] = 1;

/**
 * Calls `visit` for each complete line in bytes [from, to) (a line ends just past its `\n`; bytes
 * after the last `\n` are not visited) with whether it is plain. Lines longer than
 * `maxPlainBytes` are never plain (a reader keeps plain lines' bytes). Returns where the
 * unvisited rest starts. No allocation per line: a flood must not make garbage.
 */
export function scanLines(bytes: Buffer, from: number, to: number, maxPlainBytes: number, visit: (start: number, end: number, plain: boolean) => void): number {
  let start = from;
  let plain = true;
  let marker = bytes.indexOf(MARKER_BYTES, from);
  for (let at = from; at < to; at++) {
    const byte = bytes[at] as number;
    if (byte === NEWLINE) {
      if (marker !== -1 && marker < at) {
        // A marker starting in this line (or one that ran across its end: never a real one).
        plain = false;
        marker = bytes.indexOf(MARKER_BYTES, at + 1);
      }
      visit(start, at + 1, plain && at - start <= maxPlainBytes);
      start = at + 1;
      plain = true;
    } else if (NOT_PLAIN[byte] === 1) {
      plain = false;
    }
  }
  return start;
}
