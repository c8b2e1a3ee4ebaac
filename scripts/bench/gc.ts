// Forces a full garbage collection before memory figures, so a growth number is the job's and
// not garbage left by an earlier case. Uses global.gc if node ran with --expose-gc, otherwise
// turns the flag on at run time (no re-exec needed).
import v8 from "node:v8";
import vm from "node:vm";

let cached: (() => void) | undefined;

/** A gc() function, or a no-op if this runtime refuses to expose one. */
export function collectGarbage(): void {
  cached ??= resolveGc();
  cached();
}

/** True when collectGarbage really collects (reported with the memory figure). */
export function gcAvailable(): boolean {
  cached ??= resolveGc();
  return cached !== noop;
}

function resolveGc(): () => void {
  const existing = (globalThis as { gc?: () => void }).gc;
  if (typeof existing === "function") return existing;
  try {
    v8.setFlagsFromString("--expose-gc");
    const gc = vm.runInNewContext("gc") as unknown;
    if (typeof gc === "function") return gc as () => void;
  } catch {
    // Fall through to the no-op.
  }
  return noop;
}

function noop(): void {}
