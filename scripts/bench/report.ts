// Output of a run: the full JSON (stdout and .bench/results.json) and a short table on stderr
// for people. The JSON is the record; the table only picks the headline numbers.
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Figure, Values } from "./figure.js";

/** The JSON document a run produces. */
export interface BenchResults {
  meta: Record<string, unknown>;
  figures: Figure[];
}

/** Writes the results file (creating .bench/) and returns its path. */
export async function writeResults(results: BenchResults, file: string): Promise<string> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(results, null, 2)}\n`);
  return file;
}

/** A compact human table: figure, ours, baseline, target, met. */
export function formatTable(figures: readonly Figure[]): string {
  const rows = [["figure", "ours", "baseline", "target", "met"]];
  for (const item of figures) {
    rows.push([
      item.id,
      headline(item.value, item.unit),
      item.baseline ? headline(item.baseline, item.unit) : "-",
      item.target,
      item.met === null ? "-" : item.met ? "yes" : "NO",
    ]);
  }
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? "").length)));
  const line = (row: string[]) => row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join("  ").trimEnd();
  const notes = figures.flatMap((item) => (item.notes ?? []).map((note) => `  ${item.id}: ${note}`));
  return [line(rows[0]!), line(widths.map((width) => "-".repeat(width))), ...rows.slice(1).map(line), "", ...notes].join("\n");
}

// The numbers worth a glance: p50/p95 for latencies, otherwise the first few numeric values.
function headline(values: Values, unit: string): string {
  if (typeof values.error === "string") return `error: ${values.error.slice(0, 60)}`;
  const keys = "p50" in values ? ["p50", "p95"] : Object.keys(values).filter((key) => typeof values[key] === "number").slice(0, 3);
  // The unit goes after the last latency key, or after the first value of other figures.
  const unitAfter = "p50" in values ? keys.length - 1 : 0;
  const main = keys
    .filter((key) => values[key] !== undefined)
    .map((key, index) => `${key} ${values[key] ?? "n/a"}${index === unitAfter ? ` ${unit}` : ""}`)
    .join(", ");
  const extra = typeof values.survivors === "number" && !keys.includes("survivors") ? `; survivors ${values.survivors}` : "";
  return `${main}${extra}`;
}
