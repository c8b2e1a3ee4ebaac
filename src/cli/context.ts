// What every command gets: its output streams, the environment, and a manager that is always
// settled and closed before the command returns (it owns a watcher and a timer that would
// otherwise keep the process alive or cut its bookkeeping short).
import { JobManager } from "../core/manager.js";
import { outputFor, type Output } from "./output.js";

/** Everything a command needs from the process it runs in. */
export interface CliContext {
  env: NodeJS.ProcessEnv;
  out: Output;
  err: Output;
  /** The CLI's own name as typed in help and hints. */
  bin: string;
  /** Opens a manager on the configured state dir and tmux server, runs `fn`, then closes it. */
  withManager<T>(fn: (manager: JobManager) => Promise<T>): Promise<T>;
}

/** The context for a real run: process streams and environment. */
export function processContext(env: NodeJS.ProcessEnv = process.env): CliContext {
  return {
    env,
    out: outputFor(process.stdout, env),
    err: outputFor(process.stderr, env),
    bin: "opencode-bg",
    withManager: (fn) => withManager(env, fn),
  };
}

/** Opens, settles (finishes any end-of-job bookkeeping recovery started), runs, settles, closes. */
export async function withManager<T>(env: NodeJS.ProcessEnv, fn: (manager: JobManager) => Promise<T>): Promise<T> {
  const manager = await JobManager.open({ env });
  try {
    await manager.settle();
    return await fn(manager);
  } finally {
    await manager.settle().catch(() => undefined);
    await manager.close();
  }
}
