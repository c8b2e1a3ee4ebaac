// The TUI sidebar end to end (harness: tui-helpers.ts): ended jobs stay with their mark and exit
// code after the running ones, which show the port they listen on.
import assert from "node:assert/strict";
import { test } from "node:test";
import { eventually } from "../helpers/tmux-sandbox.js";
import { endedRow, installWithPluginCommand, openSession, withTuiSandbox } from "./tui-helpers.js";

test("ended jobs stay with ✓ or ✗ and the exit code, after the running ones, which show their port", { timeout: 180_000 }, async (t) => {
  await withTuiSandbox(t, [{ text: "ends-answer" }], {}, async ({ sandbox, jobs, tui: start }) => {
    installWithPluginCommand(sandbox);
    const manager = await jobs.open();
    const tui = await start();
    await openSession(tui, "hello", "ends-answer");
    const scope = { scope: "global" as const, projectDir: sandbox.projectDir };
    const listener = `node -e "require('http').createServer().listen(0, '127.0.0.1', function () { console.log('port ' + this.address().port) })"`;
    const server = await manager.create({ command: listener, name: "e2e-server", ...scope });
    // One after the other: the test job ends last.
    const built = await manager.create({ command: "echo built", name: "e2e-build", ...scope });
    assert.equal((await manager.waitForStatus(built.id)).status, "completed");
    const tested = await manager.create({ command: "echo failing; exit 3", name: "e2e-test", ...scope });
    assert.equal((await manager.waitForStatus(tested.id)).exitCode, 3);
    const port = await eventually(async () => {
      const line = (await manager.output(server.id)).lines.find((l) => l.text.startsWith("port "));
      return line ? Number(line.text.slice(5)) : undefined;
    }, 15_000, "the listener's port");
    const screen = await tui.waitFor(
      "the server's port and both ended rows",
      (text) => new RegExp(`• e2e-server \\d+s · running · :${port}`).test(text) && endedRow("✓", "e2e-build", "").test(text) && endedRow("✗", "e2e-test", " · exit 3").test(text) && text,
      20_000,
    );
    t.diagnostic(`sidebar: ${screen.split("\n").filter((line) => /[•✓✗] e2e-/.test(line)).map((line) => line.replace(/^.*([•✓✗] e2e-)/, "$1").trim()).join(" | ")}`);
    // Running first; then the ends, the latest first (the test job ended after the build).
    const at = (row: string) => screen.indexOf(row);
    assert.ok(at("• e2e-server") < at("✗ e2e-test") && at("✗ e2e-test") < at("✓ e2e-build"), screen);
    await manager.kill({ ids: [server.id] });
  });
});
