// The TUI sidebar end to end (harness: tui-helpers.ts): `opencode plugin <this repo>` installs both
// targets, and the sidebar lists this session's and the global jobs, running and then ended. More
// in tui-environments.test.ts (no tmux, under node_modules) and tui-ended.test.ts (ended rows, ports).
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import type { ModelScript } from "../../scripts/e2e/fake-model.js";
import { eventually } from "../helpers/tmux-sandbox.js";
import { endedRow, hasRow, installWithPluginCommand, openSession, readPluginList, REPO_ROOT, rowPattern, SECTION, tuiAlive, withTuiSandbox } from "./tui-helpers.js";

test("opencode plugin <repo> installs both the server and the TUI target", { timeout: 90_000 }, async (t) => {
  await withTuiSandbox(t, [], {}, async ({ sandbox }) => {
    const { output } = installWithPluginCommand(sandbox);
    assert.match(output, /server \+ tui targets/);
    assert.deepEqual(readPluginList(join(sandbox.projectDir, ".opencode/opencode.json")), [REPO_ROOT]);
    assert.deepEqual(readPluginList(join(sandbox.projectDir, ".opencode/tui.json")), [REPO_ROOT]);
  });
});

test("the sidebar lists this session's and the global jobs, running and then ended, and nothing else", { timeout: 240_000 }, async (t) => {
  const script: ModelScript = (req, { turn }) => {
    if (turn === 0) return { text: "first-answer" };
    if (turn === 1) return { toolCalls: [{ name: "createBackgroundProcess", args: { command: "sleep 600", name: "e2e-session-job", tags: ["svc", "x"] } }] };
    return { text: "second-answer" };
  };
  await withTuiSandbox(t, script, {}, async ({ fake, sandbox, jobs, tui: start }) => {
    installWithPluginCommand(sandbox);
    const manager = await jobs.open();
    const tui = await start();
    const t0 = Date.now();
    // A session, so the sidebar is drawn (the home screen has none). No jobs: no section, TUI fine.
    const noJobs = await openSession(tui, "hello there", "first-answer");
    t.diagnostic(`session open ${Date.now() - t0} ms after the TUI started`);
    assert.ok(tuiAlive(noJobs), noJobs);
    assert.doesNotMatch(noJobs, SECTION, "no section without jobs");

    // Jobs that are NOT this sidebar's: another session's, another project's global one.
    await manager.create({ command: "sleep 600", name: "e2e-other-session", scope: "session", sessionId: "ses_someone_else" });
    const otherProject = join(sandbox.root, "other-project");
    mkdirSync(otherProject);
    await manager.create({ command: "sleep 600", name: "e2e-other-project", scope: "global", projectDir: otherProject, cwd: otherProject });
    // A global job of this project: shown in any session.
    const created = Date.now();
    const global = await manager.create({ command: "sleep 600", name: "e2e-global-job", tags: ["web", "dev"], scope: "global", projectDir: sandbox.projectDir });
    assert.equal(global.status, "running");
    const shown = await tui.waitFor("the global job in the section", (screen) => SECTION.test(screen) && rowPattern("e2e-global-job").exec(screen) && screen, 15_000);
    const showLatency = Date.now() - created;
    t.diagnostic(`global job shown ${showLatency} ms after create`);
    assert.match(shown, /• e2e-global-job \d+s · running · #web/);
    assert.ok(!hasRow(shown, "e2e-other-session") && !hasRow(shown, "e2e-other-project"), shown);
    assert.ok(showLatency < 5000, `shown only after ${showLatency} ms`);

    // The runtime column moves on its own (the 1 s clock while a job is shown).
    const firstRuntime = rowPattern("e2e-global-job").exec(shown)?.[1];
    await tui.waitFor("the runtime to advance", (screen) => {
      const now = rowPattern("e2e-global-job").exec(screen)?.[1];
      return now !== undefined && now !== firstRuntime;
    }, 5000);

    // Killed: its row says so and stays (the other two jobs still run but do not belong here).
    const killed = Date.now();
    const [report] = await manager.kill({ ids: [global.id] });
    assert.equal(report?.status, "cancelled");
    const cancelled = endedRow("✗", "e2e-global-job", " · cancelled");
    const gone = await tui.waitFor("the killed job's row", (screen) => SECTION.test(screen) && cancelled.test(screen) && !hasRow(screen, "e2e-global-job") && screen, 15_000);
    t.diagnostic(`cancelled row ${Date.now() - killed} ms after kill (kill itself took part of that)`);
    assert.ok(tuiAlive(gone), gone);
    assert.ok(!hasRow(gone, "e2e-other-session") && !hasRow(gone, "e2e-other-project"), gone);

    // A session job started by the model through the plugin's tool shows in this session's sidebar.
    await tui.submit("start a background process");
    const withSessionJob = await tui.waitFor("the session job in the section", (screen) => SECTION.test(screen) && rowPattern("e2e-session-job").exec(screen) && screen, 60_000);
    assert.match(withSessionJob, /• e2e-session-job \d+s · running · #svc/);
    await tui.waitFor("the model's second answer", (screen) => screen.includes("second-answer"), 60_000);
    assert.equal(fake.toolResults().length, 1);
    assert.match(fake.toolResults()[0]?.content ?? "", /status: running/);
    const sessionJob = await eventually(() => manager.list().find((job) => job.name === "e2e-session-job" && job.status === "running"), 10_000, "the test's manager to see the session job");
    assert.match(sessionJob.sessionId ?? "", /^ses_/);
    await manager.kill({ ids: [sessionJob.id] });
    // Both ended rows, the latest end first.
    const end = await tui.waitFor("the session job's cancelled row", (screen) => endedRow("✗", "e2e-session-job", " · cancelled").test(screen) && !hasRow(screen, "e2e-session-job") && screen, 15_000);
    assert.ok(tuiAlive(end), end);
    assert.ok(end.indexOf("✗ e2e-session-job") < end.indexOf("✗ e2e-global-job"), end);
  });
});
