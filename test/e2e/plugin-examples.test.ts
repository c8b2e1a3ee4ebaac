// The original plugin's two documented examples, driven through the real OpenCode by a
// scripted model: the tools' results are what the model reads, and the OS agrees with them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { request } from "node:http";
import { freePort } from "../../scripts/e2e/opencode-sandbox.js";
import type { ModelStep } from "../../scripts/e2e/fake-model.js";
import { collectJobProcesses, isProcessAlive } from "../../src/core/end/process-tree.js";
import { processIdFrom, withOpencode } from "./plugin-helpers.js";

test("Example 1: a build, a test watcher and a global lint job; list, filter by tags, kill one", { timeout: 120_000 }, async () => {
  let watcherId = "";
  const script = (_req: unknown, { turn, fake }: { turn: number; fake: { toolResults(): { content: string }[] } }): ModelStep => {
    const create = (args: Record<string, unknown>): ModelStep => ({ toolCalls: [{ name: "createBackgroundProcess", args }] });
    switch (turn) {
      case 0: return create({ command: `for i in 1 2 3; do echo "build step $i"; sleep 0.3; done; echo "build finished"`, name: "build", tags: ["build"] });
      case 1: return create({ command: `while true; do echo "tests: 12 passed"; sleep 1; done`, name: "test-watcher", tags: ["test", "watch"] });
      case 2: return create({ command: `while true; do echo "lint: 0 problems"; sleep 2; done`, name: "lint", tags: ["lint"], global: true });
      case 3: return { toolCalls: [{ name: "listBackgroundProcesses", args: {} }] };
      case 4: return { toolCalls: [{ name: "listBackgroundProcesses", args: { tags: ["watch", "lint"] } }] };
      case 5:
        watcherId = processIdFrom(fake.toolResults()[1]?.content);
        return { toolCalls: [{ name: "killProcesses", args: { processId: watcherId } }] };
      case 6: return { toolCalls: [{ name: "listBackgroundProcesses", args: {} }] };
      default: return { text: "All done." };
    }
  };
  await withOpencode(script, {}, async ({ opencode, jobs }) => {
    const result = await opencode.run("Start the build, the test watcher and lint in the background.", { timeoutMs: 90_000 });
    assert.equal(result.exitCode, 0, result.stderr);
    const uses = result.toolUses();
    assert.deepEqual(uses.map((use) => use.tool), [
      "createBackgroundProcess", "createBackgroundProcess", "createBackgroundProcess",
      "listBackgroundProcesses", "listBackgroundProcesses", "killProcesses", "listBackgroundProcesses",
    ]);
    for (const use of uses) assert.equal(use.status, "completed", `${use.tool}: ${use.error ?? ""}`);
    const [build, watcher, lint, listAll, listTagged, kill, listAfter] = uses.map((use) => String(use.output));
    if (process.env.OBG_SHOW) console.log(uses.map((use) => `>>> ${use.tool} ${JSON.stringify(use.input)}\n${use.output}`).join("\n"));

    assert.match(build ?? "", /^id: [0-9a-z]{8}\nname: build\nstatus: running/);
    assert.match(watcher ?? "", new RegExp(`attach: tmux -L ${jobs.socket} attach-session -t =opencode-bg:@\\d+`));
    assert.match(lint ?? "", /scope: global/);
    const lintId = processIdFrom(lint);
    const buildId = processIdFrom(build);

    assert.match(listAll ?? "", /^3 process\(es\)/);
    for (const name of ["build", "test-watcher", "lint"]) assert.ok(listAll?.includes(`"${name}"`), `list shows ${name}`);
    assert.ok(listTagged?.includes(`"test-watcher"`) && listTagged.includes(`"lint"`) && !listTagged.includes(`"build"`), listTagged);
    assert.match(kill ?? "", new RegExp(`^${watcherId} "test-watcher" cancelled`));
    assert.match(listAfter ?? "", new RegExp(`${watcherId} cancelled`));

    // The OS agrees: nothing of the watcher is left.
    const observer = await jobs.open({ observeOnly: true });
    const watcherView = observer.get(watcherId);
    assert.equal(watcherView.status, "cancelled");
    assert.ok(watcherView.pid && !isProcessAlive(watcherView.pid));
    assert.deepEqual(await collectJobProcesses({ marker: { name: "OPENCODE_BG_JOB", value: watcherId } }), []);

    // OpenCode has exited: its session jobs ended with it, the global lint job lives on.
    assert.notEqual(observer.get(buildId).status, "running");
    const lintView = observer.get(lintId);
    assert.equal(lintView.status, "running");
    assert.ok(lintView.pid && isProcessAlive(lintView.pid));
  });
});

test("Example 2: an HTTP server in the background, queried with OpenCode's bash tool, its request log read back", { timeout: 120_000 }, async () => {
  const port = await freePort();
  const server = `node -e 'require("http").createServer((q, s) => { console.log(q.method + " " + q.url); s.end("hello from background\\n"); }).listen(${port}, "127.0.0.1", () => console.log("listening on ${port}"))'`;
  let serverId = "";
  const script = (_req: unknown, { turn, fake }: { turn: number; fake: { toolResults(): { content: string }[] } }): ModelStep => {
    switch (turn) {
      case 0: return { toolCalls: [{ name: "createBackgroundProcess", args: { command: server, name: "http-server", tags: ["web"] } }] };
      case 1: return { toolCalls: [{ name: "bash", args: { command: `for i in 1 2 3 4 5 6 7 8 9 10; do curl -sf http://127.0.0.1:${port}/api/health && break; sleep 0.3; done`, description: "Query the server" } }] };
      case 2:
        serverId = processIdFrom(fake.toolResults()[0]?.content);
        return { toolCalls: [{ name: "getBackgroundProcess", args: { processId: serverId } }] };
      default: return { text: "The server answered." };
    }
  };
  await withOpencode(script, {}, async ({ opencode, jobs }) => {
    const result = await opencode.run("Run an HTTP server in the background and query it.", { timeoutMs: 90_000 });
    assert.equal(result.exitCode, 0, result.stderr);
    const [create, bash, get] = result.toolUses();
    assert.equal(bash?.tool, "bash");
    assert.match(String(bash?.output), /hello from background/);
    assert.equal(get?.tool, "getBackgroundProcess");
    const details = String(get?.output);
    assert.match(details, /status: running/);
    assert.match(details, new RegExp(`listening on ${port}`));
    assert.match(details, /GET \/api\/health/, "the request log is visible while the server keeps running");
    assert.match(String(create?.output), /status: running/);
    // A session job: it ended with `opencode run`, and the port is free again.
    const observer = await jobs.open({ observeOnly: true });
    assert.equal(observer.get(serverId).status, "cancelled");
    await assert.rejects(httpGet(port), /ECONNREFUSED/);
  });
});

function httpGet(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path: "/" }, (res) => {
      let body = "";
      res.on("data", (chunk) => (body += chunk));
      res.on("end", () => resolve(body));
    });
    req.on("error", reject);
    req.end();
  });
}
