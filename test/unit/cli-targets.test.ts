// The CLI's target resolver: ids, names, unique id prefixes and `all`; ambiguity is an error
// that lists the candidates.
import { test } from "node:test";
import assert from "node:assert/strict";
import { resolveOne, resolveTarget, resolveTargets } from "../../src/cli/targets.js";
import { CliFailure } from "../../src/cli/errors.js";

const jobs = [
  { id: "abc12345", name: "dev", status: "running" as const },
  { id: "abd99999", name: "build", status: "failed" as const },
  { id: "xyz00001", name: "dev", status: "completed" as const },
  { id: "qqq00001", name: "test", status: "completed" as const },
  { id: "qqq00002", name: "test", status: "failed" as const },
];

test("an exact id wins, then a name, then a unique id prefix", () => {
  assert.deepEqual(resolveTarget(jobs, "abd99999").map((j) => j.id), ["abd99999"]);
  assert.deepEqual(resolveTarget(jobs, "build").map((j) => j.id), ["abd99999"]);
  assert.deepEqual(resolveTarget(jobs, "xy").map((j) => j.id), ["xyz00001"]);
});

test("a name shared by several jobs means the one still running", () => {
  assert.deepEqual(resolveTarget(jobs, "dev").map((j) => j.id), ["abc12345"]);
});

test("ambiguity is an error that lists every candidate", () => {
  assert.throws(() => resolveTarget(jobs, "ab"), (error: Error) => {
    assert.ok(error instanceof CliFailure);
    assert.match(error.message, /"ab" fits 2 jobs \(by id prefix\)/);
    assert.match(error.message, /abc12345  running  dev/);
    assert.match(error.message, /abd99999  failed  build/);
    return true;
  });
  assert.throws(() => resolveTarget(jobs, "test"), /"test" fits 2 jobs \(by name\)[\s\S]*qqq00001[\s\S]*qqq00002/);
});

test("an unknown target says so and how to list jobs", () => {
  assert.throws(() => resolveTarget(jobs, "nope"), /no job has the id or name "nope" \(list them with: opencode-bg ls\)/);
});

test("all is every job; several targets give each job once, in order", () => {
  assert.equal(resolveTarget(jobs, "all").length, 5);
  assert.deepEqual(resolveTargets(jobs, ["build", "abd", "dev"]).map((j) => j.id), ["abd99999", "abc12345"]);
});

test("a command taking one job refuses all", () => {
  assert.throws(() => resolveOne(jobs, "all"), /takes one job/);
  assert.equal(resolveOne(jobs, "build").id, "abd99999");
});
