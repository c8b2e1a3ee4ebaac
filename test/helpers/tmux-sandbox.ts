// A private tmux server and state dir per test file, and managers opened on them. Everything
// started here is torn down in `cleanup`, even when the test failed: the tmux server by its
// private socket, processes by pid. Never touches the user's default tmux server.
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { JobManager, type ManagerOptions } from "../../src/core/manager.js";
import type { CoreConfigInput } from "../../src/core/config.js";

export interface TmuxSandbox {
  socket: string;
  stateDir: string;
  /** Environment that points the plugin, CLI or core at this sandbox. */
  env: NodeJS.ProcessEnv;
  config: Partial<CoreConfigInput>;
  /** Opens a manager on this sandbox (closed again in cleanup). */
  open(options?: Omit<ManagerOptions, "config"> & { config?: Partial<CoreConfigInput> }): Promise<JobManager>;
  /** Runs a tmux command on the private server and returns stdout. */
  tmux(...args: string[]): string;
  cleanup(): Promise<void>;
}

export async function createTmuxSandbox(prefix = "obg-test"): Promise<TmuxSandbox> {
  const socket = `${prefix}-${process.pid}-${randomBytes(4).toString("hex")}`;
  const stateDir = await mkdtemp(path.join(os.tmpdir(), `${prefix}-state-`));
  const config: Partial<CoreConfigInput> = { tmuxSocket: socket, stateDir, killGraceMs: 1500 };
  const env: NodeJS.ProcessEnv = { ...process.env, OPENCODE_BG_TMUX_SOCKET: socket, OPENCODE_BG_STATE_DIR: stateDir };
  delete env.TMUX;
  delete env.TMUX_PANE;
  const managers: JobManager[] = [];
  const tmux = (...args: string[]) => execFileSync("tmux", ["-L", socket, ...args], { env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  return {
    socket,
    stateDir,
    env,
    config,
    async open(options = {}) {
      const manager = await JobManager.open({ ...options, env, config: { ...config, ...options.config } });
      managers.push(manager);
      return manager;
    },
    tmux,
    async cleanup() {
      for (const manager of managers) {
        // Jobs may have escaped their windows: end each tree by its marker before the server goes.
        await manager.kill({ status: ["running", "pending"] }).catch(() => undefined);
        await manager.close().catch(() => undefined);
      }
      try {
        tmux("kill-server");
      } catch {
        // Already gone.
      }
      // tmux 3.3a leaves its socket file behind after kill-server.
      const socketDir = path.join(process.env.TMUX_TMPDIR || "/tmp", `tmux-${process.getuid?.() ?? 0}`);
      await rm(path.join(socketDir, socket), { force: true });
      // A wrapper hung up by kill-server may still be writing its exit file: retry briefly.
      await rm(stateDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
    },
  };
}

/** Polls `check` until it returns a truthy value or the timeout passes. */
export async function eventually<T>(check: () => T | Promise<T>, timeoutMs = 10_000, what = "condition"): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ""}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
