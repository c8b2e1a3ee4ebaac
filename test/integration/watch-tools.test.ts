// The watch tools as a model calls them, on a real tmux server: create with watch and
// notifyWhenReady (no blocking), watchProcess, and what get and list show afterwards.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createTmuxSandbox, eventually, type TmuxSandbox } from "../helpers/tmux-sandbox.js";
import type { JobManager } from "../../src/core/manager.js";
import { createBackgroundProcessTool } from "../../src/plugin/tools/create.js";
import { getBackgroundProcessTool } from "../../src/plugin/tools/get.js";
import { listBackgroundProcessesTool } from "../../src/plugin/tools/list.js";
import { watchProcessTool } from "../../src/plugin/tools/watch.js";
import { freePort } from "../../scripts/e2e/opencode-sandbox.js";

let sandbox: TmuxSandbox;
let manager: JobManager;

before(async () => {
  sandbox = await createTmuxSandbox("obg-watcht");
  manager = await sandbox.open();
});
after(async () => {
  await sandbox.cleanup();
});

const text = (result: unknown) => (typeof result === "string" ? result : (result as { output: string }).output);

test("create with watch and notifyWhenReady answers at once; watchProcess changes the watches; get shows them with the last match; list marks the job", { timeout: 60_000 }, async () => {
  const deps = { manager: async () => manager };
  const ctx = { directory: sandbox.stateDir, sessionID: "ses_tools", abort: new AbortController().signal, ask: async () => undefined, metadata: () => undefined } as never;
  const port = await freePort();
  const command = `sleep 1; echo 'TypeError: x is undefined'; sleep 300`;
  const startedAt = Date.now();
  const created = text(await createBackgroundProcessTool(deps).execute({ command, name: "srv", watch: ["errors"], until: "port", port, notifyWhenReady: true } as never, ctx));
  assert.ok(Date.now() - startedAt < 5000, "did not block on the port");
  assert.match(created, /watch: "errors"/);
  assert.match(created, new RegExp(`notify when ready: port ${port}; ready: not yet`));
  const id = /^id: (\S+)/m.exec(created)?.[1] ?? "";
  await eventually(() => manager.watches.view(id)?.lastMatch, 10_000, "the error line to match");
  const changed = text(await watchProcessTool(deps).execute({ processId: id, add: ["(?i)deadlock"] } as never, ctx));
  assert.match(changed, /watch: "errors", "\(\?i\)deadlock"/);
  const got = text(await getBackgroundProcessTool(deps).execute({ processId: id } as never, ctx));
  assert.match(got, /watch: "errors", "\(\?i\)deadlock"/);
  assert.match(got, /last match \(1 so far\): \S+ TypeError: x is undefined/);
  const listed = text(await listBackgroundProcessesTool(deps).execute({} as never, ctx));
  assert.match(listed, new RegExp(`${id} running .*"srv" watch=2 ready=no \\| TypeError`), listed);
  const removed = text(await watchProcessTool(deps).execute({ processId: id, remove: ["errors", "(?i)deadlock"] } as never, ctx));
  assert.match(removed, /notify when ready/);
  assert.doesNotMatch(removed, /watch: "/);
  await assert.rejects(createBackgroundProcessTool(deps).execute({ command: "true", notifyWhenReady: true } as never, ctx), /notifyWhenReady needs until/);
});
