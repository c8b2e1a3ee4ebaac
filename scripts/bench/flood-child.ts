// Child-process entry of the flood figure: a fresh Node process (like an OpenCode that just
// started) runs one flood side and prints its FloodSide as JSON on stdout. Argument: a JSON
// FloodChildSpec. Not meant to be run by hand.
import { JobManager } from "../../src/core/manager.js";
import type { CoreConfigInput } from "../../src/core/config.js";
import { floodThroughManager, floodThroughPipe } from "./flood-run.js";

/** What the parent asks the child to do. */
export interface FloodChildSpec {
  side: "ours" | "baseline";
  bytes: number;
  config: Partial<CoreConfigInput>;
}

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2] ?? "{}") as FloodChildSpec;
  if (spec.side === "baseline") {
    process.stdout.write(`${JSON.stringify(await floodThroughPipe(spec.bytes))}\n`);
    return;
  }
  const env = { ...process.env };
  delete env.TMUX;
  delete env.TMUX_PANE;
  const manager = await JobManager.open({ config: spec.config, env });
  try {
    process.stdout.write(`${JSON.stringify(await floodThroughManager(manager, spec.bytes))}\n`);
  } finally {
    await manager.close();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`flood child: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
