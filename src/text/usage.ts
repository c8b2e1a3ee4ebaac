// A job's ports, CPU and memory as a few terse words (they go into every list and get result):
// ":5173 · 0.4% cpu · 52 MB". Pure; the figures come from core/job-usage.ts.
import type { JobUsage } from "../core/job/job-usage.js";

/** ":5173 :8080", or "" when the tree listens on nothing. */
export function formatPorts(usage: Pick<JobUsage, "ports"> | undefined): string {
  return (usage?.ports ?? []).map((port) => `:${port}`).join(" ");
}

/** "0.4%", "12%": one decimal below 10. */
export function formatCpu(percent: number): string {
  return percent < 10 ? `${percent.toFixed(1)}%` : `${Math.round(percent)}%`;
}

/** "52 MB", "3.1 MB", "1.2 GB". */
export function formatMemory(bytes: number): string {
  const mb = bytes / (1024 * 1024);
  if (mb >= 1024) return `${(mb / 1024).toFixed(1)} GB`;
  return mb < 10 ? `${mb.toFixed(1)} MB` : `${Math.round(mb)} MB`;
}

/** ":5173 · 0.4% cpu · 52 MB": the parts known, "" for no usage at all (a job that is not running). */
export function formatUsage(usage: JobUsage | undefined): string {
  if (!usage) return "";
  const parts = [formatPorts(usage)];
  if (usage.cpuPercent !== undefined) parts.push(`${formatCpu(usage.cpuPercent)} cpu`);
  parts.push(formatMemory(usage.rssBytes));
  return parts.filter(Boolean).join(" · ");
}
