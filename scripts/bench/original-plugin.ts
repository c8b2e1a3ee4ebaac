// The original plugin itself (@rsaulo/opencode-background 0.2.2 from npm), for the baselines
// that go through the real OpenCode. It is fetched once with `npm pack` into node_modules/.cache
// and checked against the integrity pinned here, so the bench runs exactly the code the issue
// measured and nothing else. Its server entry imports only `@opencode-ai/plugin` and `execa`,
// which resolve from our node_modules (the cache sits inside it), so none of its TUI
// dependencies are installed. Only the bench uses it; `npm install` does not fetch it.
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from "node:fs";
import path from "node:path";
import { execa } from "execa";
import { z } from "zod";

export const ORIGINAL_PACKAGE = "@rsaulo/opencode-background@0.2.2";
/** sha512 of the published tarball (npm's `integrity`), so a changed package is refused. */
const ORIGINAL_INTEGRITY = "sha512-UMXjI0NqXd2xaWXvVUulZtXedL1a2GTUGDQvIKKCQOF6y2rtqZTKBixVm5LRz8gSwL2XnkMUXzJm8umnjq8xVQ==";

const packResult = z.array(z.object({ integrity: z.string(), filename: z.string() })).length(1);

/**
 * The path of the original's server entry (src/index.ts), fetching it on first use. Throws with
 * the reason when it cannot be had (no registry, a changed tarball).
 */
export async function originalPluginEntry(repo: string): Promise<string> {
  const home = path.join(repo, "node_modules/.cache/opencode-bg-bench/rsaulo-opencode-background-0.2.2");
  const entry = path.join(home, "package/src/index.ts");
  if (existsSync(entry)) return entry;
  mkdirSync(path.dirname(home), { recursive: true });
  const download = mkdtempSync(path.join(path.dirname(home), "download-"));
  try {
    const packed = await execa("npm", ["pack", ORIGINAL_PACKAGE, "--json", "--pack-destination", download], { timeout: 60_000 });
    const [tarball] = packResult.parse(JSON.parse(packed.stdout));
    if (tarball!.integrity !== ORIGINAL_INTEGRITY) throw new Error(`${ORIGINAL_PACKAGE}: integrity ${tarball!.integrity}, expected ${ORIGINAL_INTEGRITY}`);
    const unpacked = path.join(download, "unpacked");
    mkdirSync(unpacked);
    await execa("tar", ["-xzf", path.join(download, tarball!.filename), "-C", unpacked]);
    rmSync(home, { recursive: true, force: true });
    renameSync(unpacked, home);
    return entry;
  } finally {
    rmSync(download, { recursive: true, force: true });
  }
}
