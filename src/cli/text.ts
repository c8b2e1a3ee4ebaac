// Small text helpers for terminal output: safe single lines, truncation, sizes and ages.

/** Replaces tabs and other control characters so a value cannot break a table row. */
export function oneLine(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, " ");
}

/** Shortens to `max` characters (code points, so no emoji is cut in half), ending with "…". */
export function truncateText(text: string, max: number): string {
  if (max <= 0) return "";
  const chars = Array.from(text);
  if (chars.length <= max) return text;
  return `${chars.slice(0, max - 1).join("")}…`;
}

/** Length in code points: what truncateText counts. */
export function textLength(text: string): number {
  return Array.from(text).length;
}

/** "512 B", "12.3 KB", "4.0 MB": a size a person reads at a glance. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KB", "MB", "GB", "TB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}
