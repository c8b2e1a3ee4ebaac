// The control-mode client against a real tmux server: words come back exactly as sent,
// errors are typed, and a dead server falls back to spawning tmux.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createTmuxSandbox, type TmuxSandbox } from "../helpers/tmux-sandbox.js";
import { TmuxClient } from "../../src/tmux/client.js";
import { TmuxServerGoneError, TmuxTargetGoneError } from "../../src/tmux/errors.js";
import { escapeFormat } from "../../src/tmux/format.js";
import { ensureSession } from "../../src/tmux/session.js";

let sandbox: TmuxSandbox;
let client: TmuxClient;

before(async () => {
  sandbox = await createTmuxSandbox("obg-ctl");
  client = new TmuxClient({ socketName: sandbox.socket, env: sandbox.env });
  await ensureSession(client, "ctl");
  await client.useControlMode("ctl");
});
after(async () => {
  client.close();
  await sandbox.cleanup();
});

test("hostile words round-trip exactly through a command line", async () => {
  assert.equal(client.controlModeActive, true);
  const words = [`it's "quoted"`, "a;b ;", "$HOME ${X} `id`", "back\\slash\\", "tab\there", "~user", "{ braces }", "#{literal}", "日本語"];
  for (const word of words) {
    assert.equal(await client.run(["display-message", "-p", "--", escapeFormat(word)]), word);
  }
});

test("several commands in one line: outputs joined; a failing one is a typed error and stops the line", async () => {
  assert.equal(await client.run(["display-message", "-p", "one"], ["display-message", "-p", "two"]), "one\ntwo");
  await assert.rejects(client.run(["kill-window", "-t", "@9999"], ["display-message", "-p", "not run"]), TmuxTargetGoneError);
  assert.equal(await client.run(["display-message", "-p", "still answering"]), "still answering");
});

test("the server killed under the client: commands fall back to spawning tmux and say the server is gone", async () => {
  sandbox.tmux("kill-server");
  await assert.rejects(client.run(["display-message", "-p", "x"]), TmuxServerGoneError);
  assert.equal(client.controlModeActive, false);
  await ensureSession(client, "ctl");
  await client.useControlMode("ctl");
  assert.equal(client.controlModeActive, true);
  assert.equal(await client.run(["display-message", "-p", "back"]), "back");
});
