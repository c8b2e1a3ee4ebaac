// Opt-in trace for diagnosing a live installation: OPENCODE_BG_DEBUG=1 appends one line per
// event to <state dir>/debug.log. Off by default and cheap when off.
import { appendFileSync } from "node:fs";
import path from "node:path";

export type DebugLog = (message: string, details?: Record<string, unknown>) => void;

const silent: DebugLog = () => {};

/** A logger writing to stateDir/debug.log when enabled, or a no-op. */
export function createDebugLog(stateDir: string, env: NodeJS.ProcessEnv = process.env): DebugLog {
  if (!env.OPENCODE_BG_DEBUG) return silent;
  const file = path.join(stateDir, "debug.log");
  return (message, details) => {
    const line = `${new Date().toISOString()} pid=${process.pid} ${message}${details ? ` ${JSON.stringify(details)}` : ""}\n`;
    try {
      appendFileSync(file, line, { mode: 0o600 });
    } catch {
      // Diagnostics must never break the plugin.
    }
  };
}
