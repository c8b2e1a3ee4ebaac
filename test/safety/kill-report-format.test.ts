// Issue 8 items 4 and 5, the words: survivors and unwritten records appear in the kill result.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { formatKillReports } from "../../src/plugin/format.js";
import { formatHandleNote, formatKillProblems } from "../../src/text/status.js";
import type { KillReport } from "../../src/core/manager.js";

const base: KillReport = { id: "abc12345", name: "web", previousStatus: "running", status: "cancelled", signalled: 3, forced: 0, survivors: [] };

describe("kill result text", () => {
  test("a clean kill mentions no problem", () => {
    assert.equal(formatKillReports([base]), `abc12345 "web" cancelled (3 process(es) signalled)`);
  });

  test("a survivor is named with its pid and command, not folded into cancelled", () => {
    const text = formatKillReports([{ ...base, survivors: [{ pid: 4242, command: "sleep 300" }] }]);
    assert.match(text, /1 process survived: pid 4242 \(sleep 300\)/);
  });

  test("many survivors: the first five, then a count", () => {
    const survivors = Array.from({ length: 7 }, (_, i) => ({ pid: 100 + i, command: `worker ${i}` }));
    const [line] = formatKillProblems({ survivors });
    assert.match(line ?? "", /^7 processes survived: pid 100 \(worker 0\), .*pid 104 \(worker 4\) and 2 more$/);
  });

  test("a record that could not be written is reported, and the kill went on", () => {
    const text = formatKillReports([{ ...base, recordErrors: ["cancel.json: ENOSPC: no space left on device"] }]);
    assert.match(text, /cancelled \(3 process\(es\) signalled\); could not record cancel\.json: ENOSPC: no space left on device \(the kill went on\)/);
  });
});

describe("lost handles in list lines", () => {
  test("a running job whose folder was deleted says so", () => {
    assert.equal(formatHandleNote({ status: "running", detached: "folder-deleted", processesLeft: 0 }), "folder deleted");
  });
  test("a stray job says its folder is gone and how many processes it has", () => {
    assert.equal(formatHandleNote({ status: "running", detached: "stray", processesLeft: 2 }), "stray: its folder is gone, 2 processes; kill ends them");
  });
  test("an ended job with live processes says how many still run", () => {
    assert.equal(formatHandleNote({ status: "failed", detached: undefined, processesLeft: 1 }), "1 process still running; kill ends them");
    assert.equal(formatHandleNote({ status: "failed", detached: undefined, processesLeft: 0 }), "");
    assert.equal(formatHandleNote({ status: "running" }), "");
  });
});
