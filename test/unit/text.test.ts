// The shared text helpers (src/text): display width through string-width, one truncator that
// never splits a character, durations, and the table rows the CLI builds from them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { displayWidth, truncate } from "../../src/text/truncate.js";
import { formatDuration } from "../../src/text/duration.js";
import { formatSize } from "../../src/text/size.js";
import { renderTable } from "../../src/cli/table.js";

test("emoji, flags and joined emoji take two columns; combining marks none", () => {
  assert.equal(displayWidth("🚀"), 2);
  assert.equal(displayWidth("✅"), 2); // U+2705: the hand-made table said 1
  assert.equal(displayWidth("👨‍👩‍👧"), 2);
  assert.equal(displayWidth("🇫🇷"), 2);
  assert.equal(displayWidth("e\u0301"), 1);
  assert.equal(displayWidth("日本"), 4);
});

test("truncate cuts whole graphemes and fits the columns asked for", () => {
  assert.equal(truncate("hello world", 6), "hello…");
  assert.equal(truncate("short", 10), "short");
  assert.equal(truncate("👨‍👩‍👧👨‍👩‍👧👨‍👩‍👧", 4), "👨‍👩‍👧…");
  assert.equal(truncate("日本語テキスト", 6), "日本…");
  assert.ok(displayWidth(truncate("✅✅✅✅", 5)) <= 5);
  // Control characters are not free: a text of newlines is still cut.
  assert.equal(truncate("\n".repeat(50), 10).length, 10);
});

test("durations read as seconds, minutes and hours; tenths for short waits", () => {
  assert.equal(formatDuration(12_000), "12s");
  assert.equal(formatDuration(245_000), "4m05s");
  assert.equal(formatDuration(7_380_000), "2h03m");
  assert.equal(formatDuration(400, { tenths: true }), "0.4s");
  assert.equal(formatDuration(65_000, { tenths: true }), "1m05s");
  assert.equal(formatSize(1536), "1.5 KB");
});

test("table rows with emoji line up: every row's next column starts at the same column", () => {
  const rows = [{ a: "✅ done", b: "x" }, { a: "plain", b: "y" }, { a: "🚀🚀", b: "z" }];
  const lines = renderTable(rows, [{ header: "A", cell: (r) => r.a }, { header: "B", cell: (r) => r.b }], { paint: (_s, t) => t });
  const starts = lines.map((line) => displayWidth(line.slice(0, line.lastIndexOf(" ") + 1)));
  assert.equal(new Set(starts).size, 1, lines.join("\n"));
});
