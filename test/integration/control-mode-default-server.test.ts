// tmux 3.2a-3.5a crash when a session is created or killed while a control-mode client is still
// connecting (src/tmux/control-safety.ts). A person's default server holds their own sessions:
// there opencode-bg attaches no control-mode client unless the tmux is one that cannot crash so.
// The "default server" here is a private one: TMUX_TMPDIR points tmux at a temporary folder, so
// the person's real default server is never touched.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { JobManager } from "../../src/core/manager.js";
import { controlModeIsSafe } from "../../src/tmux/control-safety.js";
import { eventually } from "../helpers/tmux-sandbox.js";

let root: string;
let env: NodeJS.ProcessEnv;
let manager: JobManager | undefined;
const tmux = (...args: string[]) => execFileSync("tmux", args, { env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });

before(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), "obg-defsrv-"));
  env = { ...process.env, TMUX_TMPDIR: root, OPENCODE_BG_STATE_DIR: path.join(root, "state") };
  delete env.OPENCODE_BG_TMUX_SOCKET;
  delete env.TMUX;
  delete env.TMUX_PANE;
});
after(async () => {
  await manager?.kill({ status: ["running", "pending"] }).catch(() => undefined);
  await manager?.close().catch(() => undefined);
  try {
    tmux("kill-server");
  } catch {
    // Never started, or already gone.
  }
  await rm(root, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
});

test("on the default tmux server a control-mode client attaches only where tmux cannot crash from it (3.7+)", { timeout: 60_000 }, async () => {
  manager = await JobManager.open({ env, config: { stateDir: path.join(root, "state"), killGraceMs: 1500 } });
  const job = await manager.create({ command: "echo started; sleep 30", name: "default-server" });
  assert.equal(job.status, "running");
  await eventually(() => manager?.get(job.id).lastLine === "started", 10_000, "the job's output");
  const version = tmux("-V").trim().replace(/^tmux\s+/, "");
  const controlClients = tmux("list-clients", "-F", "#{client_control_mode}").split("\n").filter((line) => line === "1").length;
  assert.equal(controlClients, controlModeIsSafe(version, false) ? 1 : 0, `tmux ${version}: control-mode clients on the default server`);
  // Without one, everything still works through spawned tmux commands: the kill ends the job.
  const [report] = await manager.kill({ ids: [job.id] });
  assert.equal(report?.status, "cancelled");
});
