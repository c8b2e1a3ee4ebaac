// Argument parsing of the CLI: where `run`'s own options end and the command begins.
import { test } from "node:test";
import assert from "node:assert/strict";
import { splitAtCommand } from "../../src/cli/args.js";

const VALUES = ["--name", "--tag", "--cwd", "--project"];

test("options after the command belong to the command: run ls -la", () => {
  assert.deepEqual(splitAtCommand(["ls", "-la"], VALUES), { own: [], command: ["ls", "-la"] });
  assert.deepEqual(splitAtCommand(["--name", "dev", "npm", "run", "dev", "--port", "3000"], VALUES), { own: ["--name", "dev"], command: ["npm", "run", "dev", "--port", "3000"] });
});

test("-- still separates, and an option's value is never the command", () => {
  assert.deepEqual(splitAtCommand(["--tag", "web", "--", "--weird-binary"], VALUES), { own: ["--tag", "web"], command: ["--weird-binary"] });
  assert.deepEqual(splitAtCommand(["--name=dev", "--global", "make"], VALUES), { own: ["--name=dev", "--global"], command: ["make"] });
  assert.deepEqual(splitAtCommand(["--name", "ls"], VALUES), { own: ["--name", "ls"], command: [] });
});
