// A fresh clone installs from the lockfile and stays clean (issue 9, item 3): `npm install` must
// not rewrite package-lock.json and `npm ci` must accept it. The old lock lacked other platforms'
// optional packages, so every fresh checkout came out dirty and `npm ci` failed ("Missing:
// opencode-darwin-arm64@ from lock file").
//
// It clones the COMMITTED tree (HEAD), as CI and a user get it, and runs npm with an empty user
// config, as on a machine without our ~/.npmrc. `--ignore-scripts`: the lock npm writes does
// not depend on install scripts, and skipping them (our prepare build, opencode's binary link)
// keeps this test to the registry cache and a few seconds.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const NPM_TIMEOUT_MS = 300_000;

let workDir = "";
let clone = "";
let npmEnv: NodeJS.ProcessEnv;

const isGitCheckout = existsSync(path.join(ROOT, ".git"));

before(async () => {
  if (!isGitCheckout) return;
  workDir = await fs.mkdtemp(path.join(os.tmpdir(), "obg-fresh-install-"));
  clone = path.join(workDir, "clone");
  execFileSync("git", ["-c", "advice.detachedHead=false", "clone", "--quiet", "--no-hardlinks", ROOT, clone], { stdio: "pipe" });
  const emptyUserConfig = path.join(workDir, "empty-npmrc");
  await fs.writeFile(emptyUserConfig, "");
  npmEnv = { ...process.env, NPM_CONFIG_USERCONFIG: emptyUserConfig, NPM_CONFIG_AUDIT: "false", NPM_CONFIG_FUND: "false", NPM_CONFIG_UPDATE_NOTIFIER: "false" };
  // Variables npm sets for scripts it runs (when this test runs under `npm test`) would leak
  // the outer project's settings into the clone's npm.
  for (const name of Object.keys(npmEnv)) if (/^npm_(config|package|lifecycle)_/i.test(name)) delete npmEnv[name];
});

after(async () => {
  if (workDir) await fs.rm(workDir, { recursive: true, force: true });
});

function npm(args: readonly string[]): { status: number | null; output: string } {
  const result = spawnSync("npm", [...args], { cwd: clone, env: npmEnv, encoding: "utf8", timeout: NPM_TIMEOUT_MS });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

function gitStatus(): string {
  return execFileSync("git", ["status", "--porcelain"], { cwd: clone, encoding: "utf8" });
}

test("fresh clone: npm ci installs from the lockfile as it is", { skip: !isGitCheckout && "not a git checkout" }, () => {
  const ci = npm(["ci", "--ignore-scripts"]);
  assert.equal(ci.status, 0, `npm ci failed:\n${ci.output}`);
  assert.doesNotMatch(ci.output, /EBADENGINE/, "a dependency's engines field excludes this Node");
  assert.equal(gitStatus(), "", "npm ci changed the checkout");
});

test("fresh clone: npm install leaves package-lock.json and the checkout unchanged", { skip: !isGitCheckout && "not a git checkout" }, () => {
  const install = npm(["install", "--ignore-scripts"]);
  assert.equal(install.status, 0, `npm install failed:\n${install.output}`);
  const status = gitStatus();
  const diff = status === "" ? "" : execFileSync("git", ["diff", "--stat"], { cwd: clone, encoding: "utf8" });
  assert.equal(status, "", `npm install changed the checkout:\n${diff}`);
});
