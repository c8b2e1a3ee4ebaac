// The TUI sidebar end to end (harness: tui-helpers.ts) where it runs differently: without tmux on
// PATH (no section, nothing breaks), and installed under node_modules (no Solid JSX transform).
import assert from "node:assert/strict";
import { test } from "node:test";
import type { ModelScript } from "../../scripts/e2e/fake-model.js";
import { endedRow, hasRow, installUnderNodeModules, installWithPluginCommand, openSession, pathWithoutTmux, rowPattern, SECTION, sleep, tuiAlive, withTuiSandbox } from "./tui-helpers.js";

test("without tmux the TUI works and shows no section", { timeout: 180_000 }, async (t) => {
  const script: ModelScript = (req, { turn }) => {
    if (turn === 0) return { toolCalls: [{ name: "createBackgroundProcess", args: { command: "sleep 600", name: "e2e-no-tmux" } }] };
    return { text: "answer-without-tmux" };
  };
  await withTuiSandbox(t, script, { env: (root) => ({ PATH: pathWithoutTmux(root) }) }, async ({ fake, sandbox, tui: start }) => {
    installWithPluginCommand(sandbox);
    const tui = await start();
    const screen = await openSession(tui, "try to start something", "answer-without-tmux");
    // The tool reported the failure to the model; the failed job is not listed; nothing broke.
    assert.match(fake.toolResults()[0]?.content ?? "", /status: failed: could not start: tmux not found/);
    assert.ok(tuiAlive(screen), screen);
    // Give a late status event time to (wrongly) draw the section.
    await sleep(1500);
    const later = tui.screen();
    assert.doesNotMatch(later, SECTION);
    assert.ok(tuiAlive(later), later);
  });
});

test("installed under node_modules (no Solid JSX transform there) the section still follows the jobs", { timeout: 180_000 }, async (t) => {
  await withTuiSandbox(t, [{ text: "nm-answer" }], {}, async ({ sandbox, jobs, tui: start }) => {
    installWithPluginCommand(sandbox, installUnderNodeModules(sandbox.root));
    const manager = await jobs.open();
    const tui = await start();
    const noJobs = await openSession(tui, "hello", "nm-answer");
    assert.doesNotMatch(noJobs, SECTION);
    const job = await manager.create({ command: "sleep 600", name: "e2e-nm-job", tags: ["nm"], scope: "global" });
    const shown = await tui.waitFor("the job in the section", (screen) => SECTION.test(screen) && rowPattern("e2e-nm-job").exec(screen) && screen, 15_000);
    assert.match(shown, /• e2e-nm-job \d+s · running · #nm/);
    await manager.kill({ ids: [job.id] });
    const gone = await tui.waitFor("the job's cancelled row", (screen) => endedRow("✗", "e2e-nm-job", " · cancelled").test(screen) && !hasRow(screen, "e2e-nm-job") && screen, 15_000);
    assert.ok(tuiAlive(gone), gone);
  });
});
