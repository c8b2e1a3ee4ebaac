// Issue 8 item 4: a kill reports the truth. A process that escaped its job (dropped the marker with
// `env -i`, left the session with `setsid`) is either ended by the kill or named in the result as
// a survivor with its pid and command; never silently left running under a "cancelled".
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import path from "node:path";
import { createTmuxSandbox, eventually, type TmuxSandbox } from "../helpers/tmux-sandbox.js";
import type { JobManager } from "../../src/core/manager.js";
import { isProcessAlive } from "../../src/core/end/process-tree.js";
import { formatKillReports } from "../../src/plugin/format.js";

let sandbox: TmuxSandbox;
let manager: JobManager;
const started = new Set<number>();

before(async () => {
  sandbox = await createTmuxSandbox("obg-escape");
  manager = await sandbox.open();
});
after(async () => {
  for (const pid of started) if (isProcessAlive(pid)) process.kill(pid, "SIGKILL");
  await sandbox.cleanup();
});

const ESCAPES: Record<string, string> = {
  // The parent lives on: the escapee is found as its child.
  "env -i setsid, parent alive": `env -i setsid sleep 301 & echo $! >> "$PIDS"; wait`,
  // The parent exits at once (double fork): the escapee still holds the pane's terminal.
  "env -i setsid, double fork, keeps the terminal": `(env -i setsid sleep 302 & echo $! >> "$PIDS"); echo $$ >> "$PIDS"; sleep 300`,
  // It ignores TERM too, so only the SIGKILL round can end it.
  "env -i setsid, ignores TERM": `env -i setsid bash -c 'trap "" TERM HUP; echo $$ >> "$1"; while :; do sleep 1; done' _ "$PIDS" & wait`,
};

describe("kill reports the truth", () => {
  for (const [name, command] of Object.entries(ESCAPES)) {
    test(`escaped process (${name}) is killed or reported as a survivor with pid and command`, { timeout: 60_000 }, async () => {
      const pidsFile = path.join(sandbox.stateDir, `pids-${Math.random().toString(36).slice(2)}`);
      const job = await manager.create({ command, name, scope: "global", env: { PIDS: pidsFile } });
      const [escapee] = await eventually(async () => {
        const found = (await fs.readFile(pidsFile, "utf8").catch(() => "")).split("\n").filter(Boolean).map(Number);
        return found.length >= 1 ? found : undefined;
      }, 10_000, "the escapee to start");
      assert.ok(escapee);
      started.add(escapee);
      await new Promise((resolve) => setTimeout(resolve, 200));
      const [report] = await manager.kill({ ids: [job.id] });
      assert.ok(report);
      const reported = (report.survivors ?? []).find((survivor) => survivor.pid === escapee);
      const alive = isProcessAlive(escapee);
      assert.ok(!alive || reported, `pid ${escapee} is still running and the kill did not say so: ${formatKillReports([report])}`);
      if (reported) assert.match(reported.command, /sleep|bash/);
    });
  }
});
