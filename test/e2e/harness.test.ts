// Proves the e2e harness end to end: the real OpenCode loads a plugin from a path, calls its
// tool on the fake model's command, feeds the result back, and delivers prompts the plugin
// injects into its session.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "node:test";
import { startFakeModel, type FakeModel, type ModelScript } from "../../scripts/e2e/fake-model.js";
import { createSandbox, type Sandbox, type SandboxOptions } from "../../scripts/e2e/opencode-sandbox.js";

const ECHO_PLUGIN = fileURLToPath(new URL("../fixtures/echo-plugin.ts", import.meta.url));

/** Runs `body` with a fake model and a sandbox, and always tears both down. */
async function withSandbox(
  script: ModelScript,
  options: Omit<SandboxOptions, "modelUrl">,
  body: (fake: FakeModel, sandbox: Sandbox) => Promise<void>,
): Promise<void> {
  const fake = await startFakeModel(script);
  const sandbox = createSandbox({ modelUrl: fake.url, ...options });
  try {
    await body(fake, sandbox);
  } catch (error) {
    console.error(`--- OpenCode logs (${sandbox.root}) ---\n${sandbox.logs()}`);
    throw error;
  } finally {
    await sandbox.cleanup();
    await fake.close();
  }
}

test("opencode run calls the plugin tool and sends its result to the model", { timeout: 90_000 }, async () => {
  await withSandbox(
    [{ toolCalls: [{ name: "echoFixture", args: { text: "hello" } }] }, { text: "all good" }],
    { plugins: [ECHO_PLUGIN] },
    async (fake, sandbox) => {
      const result = await sandbox.run("please echo  hello\nnow", { timeoutMs: 60_000 });
      assert.equal(result.timedOut, false);
      assert.equal(result.exitCode, 0, result.stderr);

      const sessionId = result.sessionId();
      assert.match(sessionId ?? "", /^ses_/);
      const [use, ...others] = result.toolUses();
      assert.equal(others.length, 0);
      assert.equal(use?.tool, "echoFixture");
      assert.equal(use?.status, "completed");
      assert.deepEqual(use?.input, { text: "hello" });
      assert.equal(use?.output, `echo:hello session:${sessionId}`);

      assert.deepEqual(fake.toolResults(), [
        { toolCallId: "call_1", name: "echoFixture", content: `echo:hello session:${sessionId}` },
      ]);
      // The prompt goes in through stdin, so it arrives verbatim (no added quotes).
      assert.deepEqual(fake.userMessages(), ["please echo  hello\nnow"]);
      assert.ok(result.events.some((e) => e.type === "text" && e.part?.text === "all good"));
    },
  );
});

test("a prompt injected while the tool runs is folded into the next model turn", { timeout: 90_000 }, async () => {
  await withSandbox(
    [{ toolCalls: [{ name: "echoFixture", args: { text: "prompt-back:INJECTED now" } }] }, { text: "seen" }],
    { plugins: [ECHO_PLUGIN] },
    async (fake, sandbox) => {
      const result = await sandbox.run("go", { timeoutMs: 60_000 });
      assert.equal(result.exitCode, 0, result.stderr);
      assert.deepEqual(fake.userMessages(), ["go", "INJECTED now"]);
      const last = fake.requests.at(-1);
      assert.deepEqual(last?.messages.map((m) => m.role), ["system", "user", "assistant", "tool", "user"]);
    },
  );
});

test("under opencode serve, a prompt injected after the session went idle starts a new turn", { timeout: 90_000 }, async () => {
  await withSandbox(
    [{ toolCalls: [{ name: "echoFixture", args: { text: "prompt-later:LATER hello" } }] }, { text: "first" }, { text: "second" }],
    { plugins: [ECHO_PLUGIN] },
    async (fake, sandbox) => {
      const server = await sandbox.serve();
      assert.deepEqual(server.pluginErrors(), []);
      const session = await server.client.session.create({ body: {} });
      const id = session.data?.id;
      assert.ok(id, JSON.stringify(session.error));
      const sent = await server.client.session.promptAsync({
        path: { id },
        body: { parts: [{ type: "text", text: "go" }] },
      });
      assert.equal(sent.response.status, 204);

      await server.waitForEvent((e) => e.payload.type === "session.idle" && e.payload.properties?.sessionID === id, 30_000);
      const injected = await fake.waitForRequest(
        (req) => req.messages.at(-1)?.role === "user" && JSON.stringify(req.messages.at(-1)?.content).includes("LATER hello"),
        30_000,
      );
      assert.deepEqual(injected.messages.map((m) => m.role), ["system", "user", "assistant", "tool", "assistant", "user"]);
      assert.deepEqual(fake.userMessages(), ["go", "LATER hello"]);
      await server.stop();
    },
  );
});

test("serve reports a plugin that fails to import", { timeout: 90_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "ocbg-broken-"));
  const broken = join(dir, "broken.ts");
  writeFileSync(broken, `export default { id: "broken", server: async () => ({ ) };\n`);
  try {
    await withSandbox([], { plugins: [broken, ECHO_PLUGIN] }, async (_fake, sandbox) => {
      const server = await sandbox.serve();
      // Published from a background fiber: it can trail serve()'s readiness by a few ms.
      await server.waitForEvent((e) => e.payload.type === "session.error", 10_000);
      const errors = server.pluginErrors();
      assert.equal(errors.length, 1, JSON.stringify(server.events));
      assert.match(errors[0] ?? "", /Failed to load plugin file:\/\/.*broken\.ts/);
      // The other plugin still loads.
      const tools = await server.client.tool.ids();
      assert.ok(tools.data?.includes("echoFixture"), JSON.stringify(tools.data));
      await server.stop();
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
