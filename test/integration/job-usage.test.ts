// Ports, CPU and memory of real jobs' process trees (job-usage.ts through the manager), on a
// private tmux server: a node HTTP server on a port the kernel picks, and a busy loop.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { JobManager } from "../../src/core/manager.js";
import type { CliContext } from "../../src/cli/context.js";
import { lsCommand } from "../../src/cli/commands/ls.js";
import { painter } from "../../src/cli/colors.js";
import { getBackgroundProcessTool } from "../../src/plugin/tools/get.js";
import { listBackgroundProcessesTool } from "../../src/plugin/tools/list.js";
import { createTmuxSandbox, eventually, type TmuxSandbox } from "../helpers/tmux-sandbox.js";

let sandbox: TmuxSandbox;
let manager: JobManager;
before(async () => {
  sandbox = await createTmuxSandbox("obg-usage");
  manager = await sandbox.open();
});
after(async () => {
  await sandbox.cleanup();
});

const LISTENER = `node -e "require('http').createServer().listen(0, '127.0.0.1', function () { console.log('port ' + this.address().port) })"`;

test("a running job's tree reports the port it listens on, its memory and its CPU; an ended job reports nothing", async () => {
  // Under a shell that stays (the listener is a child of the pane's process, not the pane itself).
  const server = await manager.create({ command: `sh -c '${LISTENER.replace(/'/g, "'\\''")}; true'`, name: "usage-server" });
  const busy = await manager.create({ command: `node -e "for (;;) {}"`, name: "usage-busy" });
  const port = await eventually(async () => {
    const line = (await manager.output(server.id)).lines.find((l) => l.text.startsWith("port "));
    return line ? Number(line.text.slice(5)) : undefined;
  }, 15_000, "the listener's port");

  const usage = await manager.usage([server.id, busy.id], { cpuSampleMs: 300 });
  const served = usage.get(server.id);
  assert.ok(served, "usage of the server job");
  assert.deepEqual(served.ports, [port]);
  assert.ok(served.processes >= 2, `${served.processes} process(es) in the server's tree`);
  assert.ok(served.rssBytes > 1024 * 1024, `server rss ${served.rssBytes}`);
  const spinning = usage.get(busy.id);
  assert.ok(spinning && spinning.cpuPercent !== undefined && spinning.cpuPercent > 0, `busy loop cpu ${spinning?.cpuPercent}`);
  assert.deepEqual(spinning.ports, []);

  await manager.kill({ ids: [server.id, busy.id] });
  assert.equal((await manager.usage([server.id, busy.id])).size, 0);
});

test("get, list and the CLI's ls show a dev server's port; get and ls its CPU and memory too", async () => {
  const project = sandbox.stateDir;
  const server = await manager.create({ command: LISTENER, name: "usage-shown", projectDir: project, cwd: project });
  const port = await eventually(async () => {
    const line = (await manager.output(server.id)).lines.find((l) => l.text.startsWith("port "));
    return line ? Number(line.text.slice(5)) : undefined;
  }, 15_000, "the listener's port");
  const deps = { manager: async () => manager };
  const ctx = { directory: project, sessionID: "ses_usage" } as never;
  const text = (result: unknown) => (typeof result === "string" ? result : (result as { output: string }).output);

  const got = text(await getBackgroundProcessTool(deps).execute({ processId: server.id } as never, ctx));
  assert.match(got, new RegExp(`^usage: :${port} · \\d+(\\.\\d)?% cpu · \\d+(\\.\\d)? MB$`, "m"), got);
  const listed = text(await listBackgroundProcessesTool(deps).execute({} as never, ctx));
  assert.match(listed, new RegExp(`^${server.id} running \\d+s "usage-shown" :${port} \\| port ${port}$`, "m"), listed);

  const lines: string[] = [];
  const out = { write: async () => undefined, line: async (line = "") => void lines.push(line), paint: painter(false), isTTY: false, columns: undefined };
  const cli: CliContext = { env: sandbox.env, out, err: out, bin: "opencode-bg", withManager: (fn) => fn(manager) };
  assert.equal(await lsCommand.run(["--status", "running"], cli), 0);
  const [header, row] = lines;
  assert.match(header ?? "", /SCOPE +PORTS +CPU +MEM +LAST OUTPUT/, lines.join("\n"));
  assert.match(row ?? "", new RegExp(`session +:${port} +\\d+(\\.\\d)?% +\\d+(\\.\\d)? MB +port ${port}`), lines.join("\n"));
  await manager.kill({ ids: [server.id] });
});
