// Attaching to a finished job shows its last screen. Without the fix, tmux leaves the output at
// the top of the 200x50 window and writes "Pane is dead" on the bottom row; a person's smaller
// terminal shrinks the pane around that row, so the output goes to scrollback and the screen
// shows only the message. A resize-window to 80x24 stands in for that person's terminal.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import { useCliSandbox } from "../helpers/cli-runner.js";

const cliSandbox = useCliSandbox("obg-cliatt", { before, after });
const { ok, runJob, untilStatus } = cliSandbox;

/** The visible screen of a window after shrinking it to a common terminal's size. */
function screenAt80x24(windowId: string): string[] {
  cliSandbox.sandbox().tmux("resize-window", "-t", windowId, "-x", "80", "-y", "24");
  return cliSandbox.sandbox().tmux("capture-pane", "-p", "-t", windowId).split("\n").filter((line) => line.trim() !== "");
}

test("attaching to a finished job shows its last lines above tmux's 'Pane is dead', in a smaller terminal too", async () => {
  const id = await runJob("for i in 1 2 3 4 5; do echo short-$i; done; exit 3", "--name", "short");
  const { windowId, logPath } = await untilStatus(id, "failed");
  assert.ok(windowId);
  const logBefore = await fs.readFile(logPath);
  await ok("attach", "short");
  const screen = screenAt80x24(windowId);
  assert.deepEqual(screen.slice(-6, -1), ["short-1", "short-2", "short-3", "short-4", "short-5"], screen.join("\n"));
  assert.match(screen.at(-1) ?? "", /^Pane is dead \(status 3, /);
  assert.deepEqual(await fs.readFile(logPath), logBefore, "the refill adds nothing to the job's log");
  // Attaching again gives the same screen, not a second copy above it.
  await ok("attach", id);
  assert.deepEqual(screenAt80x24(windowId).slice(-6, -1), screen.slice(-6, -1));
});

test("a long output ends on the last visible rows, and a restart still works after it", async () => {
  const id = await runJob("seq 1 300; exit 0", "--name", "long");
  const { windowId } = await untilStatus(id, "completed");
  assert.ok(windowId);
  await ok("attach", "long");
  const screen = screenAt80x24(windowId);
  assert.deepEqual(screen.slice(-4, -1), ["298", "299", "300"], screen.join("\n"));
  assert.match(screen.at(-1) ?? "", /^Pane is dead \(status 0, /);
  // The job's own output pipe is reopened by a restart: the new run reaches the log.
  await ok("restart", id);
  await untilStatus(id, "completed");
  const logs = await ok("logs", id);
  const lines = logs.split("\n").filter((line) => line === "300");
  // It failed once in ten full runs with no "300" at all; the output says why next time.
  assert.equal(lines.length, 2, `both runs' output is in the log; logs printed:\n${logs.slice(-2000)}`);
});
