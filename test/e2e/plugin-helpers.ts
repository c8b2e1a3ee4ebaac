// Shared set-up for end-to-end tests of the plugin: a fake model, an OpenCode sandbox that
// loads the built plugin, and a private tmux server + state dir for the jobs. Torn down always.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startFakeModel, type FakeModel, type ModelScript } from "../../scripts/e2e/fake-model.js";
import { createSandbox, type Sandbox, type SandboxOptions } from "../../scripts/e2e/opencode-sandbox.js";
import { createTmuxSandbox, type TmuxSandbox } from "../helpers/tmux-sandbox.js";

export const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));
/** The built server plugin, as an npm user's OpenCode would load it. */
export const PLUGIN_PATH = path.join(REPO_ROOT, "dist", "plugin", "server.js");

export interface E2E {
  fake: FakeModel;
  opencode: Sandbox;
  jobs: TmuxSandbox;
}

/** Runs `body` with all three sandboxes; prints OpenCode's logs if it fails. */
export async function withOpencode(
  script: ModelScript,
  options: Partial<Omit<SandboxOptions, "modelUrl" | "env">> & { env?: NodeJS.ProcessEnv },
  body: (e2e: E2E) => Promise<void>,
): Promise<void> {
  const jobs = await createTmuxSandbox("obg-e2e");
  const fake = await startFakeModel(script);
  const env = {
    OPENCODE_BG_TMUX_SOCKET: jobs.socket,
    OPENCODE_BG_STATE_DIR: jobs.stateDir,
    OPENCODE_BG_DEBUG: "1",
    ...(options.env ?? {}),
  } as Record<string, string>;
  const opencode = createSandbox({ plugins: [PLUGIN_PATH], ...options, modelUrl: fake.url, env });
  try {
    await body({ fake, opencode, jobs });
  } catch (error) {
    console.error(`--- OpenCode logs (${opencode.root}) ---\n${opencode.logs().slice(-20_000)}`);
    const trace = await readFile(path.join(jobs.stateDir, "debug.log"), "utf8").catch(() => "(none)");
    console.error(`--- opencode-bg debug.log ---\n${trace.slice(-10_000)}`);
    throw error;
  } finally {
    await opencode.cleanup();
    await fake.close();
    await jobs.cleanup();
  }
}

/** The id from a createBackgroundProcess result ("id: xxxxxxxx" is its first line). */
export function processIdFrom(output: string | undefined): string {
  const match = /^id: ([0-9a-z]{8})$/m.exec(output ?? "");
  if (!match?.[1]) throw new Error(`no process id in tool output: ${output}`);
  return match[1];
}
