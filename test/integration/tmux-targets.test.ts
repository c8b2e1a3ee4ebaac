// Missing targets. display-message does not fail when its -t names nothing (tmux 3.2a to 3.7c):
// it expands the format without that target, so server-wide fields such as #{pid} still print.
// Our session must be found by its exact name on a server with sessions of its own (the user's
// default server usually has some), and a pane that is gone must read as gone.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createTmuxSandbox, type TmuxSandbox } from "../helpers/tmux-sandbox.js";
import { TmuxClient } from "../../src/tmux/client.js";
import { ensureSession } from "../../src/tmux/session.js";
import { readPane } from "../../src/tmux/windows.js";

let sandbox: TmuxSandbox;

before(async () => {
  sandbox = await createTmuxSandbox("obg-ses");
  // A person's own sessions, one of them a prefix of ours.
  sandbox.tmux("new-session", "-d", "-s", "work", "sleep 600");
  sandbox.tmux("new-session", "-d", "-s", "opencode", "sleep 600");
});
after(async () => {
  await sandbox.cleanup();
});

test("a server with other sessions: jobs start in our own session, which is made on first use", async () => {
  const manager = await sandbox.open();
  const job = await manager.create({ command: "echo in-our-session", name: "beside-theirs" });
  const done = await manager.waitForStatus(job.id, ["completed", "failed"], 20_000);
  assert.equal(done.status, "completed", done.error);
  assert.deepEqual((await manager.output(job.id)).lines.map((line) => line.text), ["in-our-session"]);
  const sessions = sandbox.tmux("list-sessions", "-F", "#{session_name}").trim().split("\n").sort();
  assert.deepEqual(sessions, ["opencode", "opencode-bg", "work"]);
});

test("a second client (another OpenCode, the CLI) finds the existing session instead of making it again", async () => {
  const first = await ensureSession(new TmuxClient({ socketName: sandbox.socket, env: sandbox.env }), "opencode-bg");
  const again = await ensureSession(new TmuxClient({ socketName: sandbox.socket, env: sandbox.env }), "opencode-bg");
  assert.deepEqual(again, first);
  const other = await ensureSession(new TmuxClient({ socketName: sandbox.socket, env: sandbox.env }), "opencode-bg-2");
  assert.equal(other.serverPid, first.serverPid);
  assert.equal(sandbox.tmux("list-sessions", "-F", "#{session_name}").trim().split("\n").filter((name) => name.startsWith("opencode-bg")).length, 2);
});

test("a pane that is gone reads as gone (undefined), by spawned tmux and through the control client", async () => {
  const client = new TmuxClient({ socketName: sandbox.socket, env: sandbox.env });
  try {
    const pane = sandbox.tmux("new-window", "-d", "-P", "-F", "#{pane_id}", "-t", "=work:", "sleep 600").trim();
    assert.equal((await readPane(client, pane))?.paneId, pane);
    sandbox.tmux("kill-pane", "-t", pane);
    assert.equal(await readPane(client, pane), undefined);
    await client.useControlMode("work");
    assert.equal(client.controlModeActive, true);
    assert.equal(await readPane(client, pane), undefined);
  } finally {
    client.close();
  }
});
