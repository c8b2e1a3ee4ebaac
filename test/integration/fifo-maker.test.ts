// Spare FIFOs for the environment pipe (env-pipe.ts FifoMaker), on the real file system with the
// real mkfifo: every make() leaves a private FIFO at its target, concurrent ones too, and close()
// leaves no spare behind.
import { test } from "node:test";
import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { FifoMaker } from "../../src/core/launch/env-pipe.js";

async function spares(dir: string): Promise<string[]> {
  return (await fs.readdir(dir)).filter((name) => name.startsWith(".fifo-spare-"));
}

test("FIFOs: each make() leaves a private FIFO at its target, one after another and side by side; close() leaves no spare", async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "obg-fifo-"));
  const maker = new FifoMaker(dir);
  try {
    maker.prepare();
    const targets = Array.from({ length: 30 }, (_, index) => path.join(dir, `job-${index}`, "env"));
    await Promise.all(targets.map((target) => fs.mkdir(path.dirname(target))));
    for (const target of targets.slice(0, 10)) await maker.make(target);
    await Promise.all(targets.slice(10).map((target) => maker.make(target)));
    for (const target of targets) {
      const stat = await fs.lstat(target);
      assert.ok(stat.isFIFO(), `${target} is a FIFO`);
      assert.equal(stat.mode & 0o777, 0o600, `${target} is private`);
    }
    // An existing file at the target is replaced.
    await fs.rm(targets[0]!);
    await fs.writeFile(targets[0]!, "old plain env file");
    await maker.make(targets[0]!);
    assert.ok((await fs.lstat(targets[0]!)).isFIFO());
  } finally {
    await maker.close();
  }
  assert.deepEqual(await spares(dir), [], "no spare left after close");
  await fs.rm(dir, { recursive: true, force: true });
});
