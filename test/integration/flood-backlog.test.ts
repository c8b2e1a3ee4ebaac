// A flood read with no line listener and no watch: plain lines stay raw bytes until the output is
// read (log-tailer.ts), so markers, numbering, colour, redraws and the unterminated last line
// must come out exactly as when every line is decoded. Real tmux (pipe-pane writes the pty's
// CRLF output in whatever chunks it likes), the job manager's default path.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createTmuxSandbox, eventually, type TmuxSandbox } from "../helpers/tmux-sandbox.js";
import type { JobManager } from "../../src/core/manager.js";

let sandbox: TmuxSandbox;
let manager: JobManager;

before(async () => {
  sandbox = await createTmuxSandbox("obg-backlog");
  manager = await sandbox.open();
});
after(async () => {
  await sandbox.cleanup();
});

const LINES = 30_000;
/** What line i is once clean (see the awk program below). */
function expected(i: number): string {
  if (i % 10_000 === 0) return `OPENCODE_NOTIFY: marker ${i}`;
  if (i === 15_000) return `green ${i}`;
  if (i === 25_000) return `100% ${i}`;
  return `${String(i).padStart(5, "0")}${"0".repeat(95)}`;
}

test("3 MB of output with markers, colour and a redraw among plain lines: each marker notifies once, every line keeps its number and text", { timeout: 60_000 }, async () => {
  const program = [
    `BEGIN { for (i = 1; i <= ${LINES}; i++) {`,
    `if (i % 10000 == 0) print "OPENCODE_NOTIFY: marker " i;`,
    `else if (i == 15000) printf "\\033[32mgreen %d\\033[0m\\n", i;`,
    `else if (i == 25000) printf "10%%\\r100%% %d\\n", i;`,
    `else printf "%05d%095d\\n", i, 0 }`,
    `printf "no newline" }`,
  ].join(" ");
  const messages: string[] = [];
  const stop = manager.on("notify", (job, message) => job.name === "flood" && messages.push(message));
  try {
    const job = await manager.create({ command: `awk '${program}'`, name: "flood" });
    await manager.waitForStatus(job.id, ["completed", "failed", "cancelled"], 30_000);
    await eventually(() => messages.length >= 3, 5_000, "three markers");
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.deepEqual(messages, ["marker 10000", "marker 20000", "marker 30000"]);

    const tail = await manager.output(job.id, { lines: 2000 });
    assert.equal(tail.next, LINES + 2, "every newline counted, and the last line flushed by the exit");
    assert.equal(tail.lines.at(-1)?.text, "no newline");
    for (const line of tail.lines.slice(0, -1)) assert.equal(line.text, expected(line.no), `line ${line.no}`);
    assert.equal(tail.lines[0]?.no, LINES + 2 - 2000);

    // Older lines come from the log file with the same numbers.
    for (const no of [1, 10_000, 15_000, 25_000]) {
      const read = await manager.output(job.id, { since: no, lines: 1 });
      assert.deepEqual(read.lines, [{ no, text: expected(no) }]);
    }
  } finally {
    stop();
  }
});
