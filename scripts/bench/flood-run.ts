// One side of the flood figure, runnable in any process: through a JobManager (ours) or
// through a piped spawn that keeps the output in a string (the original's way). The flood case
// runs each side in a fresh Node process (flood-child.ts) and ours once more in the bench's own
// warm process.
import type { JobManager } from "../../src/core/manager.js";
import { reap, spawnPiped } from "./baseline.js";
import { withTimeout } from "./context.js";
import { watchMemory, type MemoryWatch } from "./memory.js";

/** What one flood side reports (bytes and ms; converted to MB by the case). */
export interface FloodSide {
  memory: Omit<MemoryWatch<unknown>, "result">;
  /** Ours: line number of the last line the manager counted. Baseline: characters held. */
  count: number;
}

/** The flood command: `bytes` of 'a' in 100-character lines. */
export function floodCommand(bytes: number): string {
  return `head -c ${bytes} /dev/zero | tr '\\0' 'a' | fold -w 100`;
}

/** Floods through the manager; the job is killed (window closed) afterwards. */
export async function floodThroughManager(manager: JobManager, bytes: number): Promise<FloodSide> {
  const { result, ...memory } = await watchMemory(async () => {
    const view = await manager.create({ command: floodCommand(bytes), name: "bench-flood", tags: ["bench", "flood"], scope: "session" });
    const end = await manager.waitForStatus(view.id, ["completed", "failed", "cancelled"], 240_000);
    const read = await manager.output(view.id, { lines: 1 });
    if (end.status !== "completed") throw new Error(`flood job ended ${end.status}: ${end.error ?? ""}`);
    return { id: view.id, lines: read.next - 1 };
  });
  await manager.kill({ ids: [result.id] });
  return { memory, count: result.lines };
}

/** Floods through a piped spawn that accumulates the output, as the original did. */
export async function floodThroughPipe(bytes: number): Promise<FloodSide> {
  const { result, ...memory } = await watchMemory(async () => {
    const run = spawnPiped(floodCommand(bytes));
    await withTimeout(run.closed, 120_000, "baseline flood");
    await reap(run);
    return run; // keeps the output referenced, like the original's process record
  });
  return { memory, count: result.output().length };
}
