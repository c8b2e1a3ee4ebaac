// What opencode-bg keeps on disk, for `opencode-bg purge`: the job folders under <stateDir>/jobs
// and debug.log. Removal is by name, never a recursive delete of the state dir itself, so a
// state dir pointed at a folder that also holds other files (OPENCODE_BG_STATE_DIR=~) loses only
// what opencode-bg put there; the folder goes only once it is empty.
import { promises as fs } from "node:fs";
import path from "node:path";
import { jobsDir } from "./job-files.js";

/** The files opencode-bg writes directly in the state dir, besides jobs/. */
const OWN_FILES = ["debug.log"] as const;

export interface StateDirContents {
  stateDir: string;
  exists: boolean;
  /** Folders under jobs/ (one per job, finished or not). */
  jobFolders: number;
  /** Bytes of jobs/ and our own files. */
  bytes: number;
  /** Entries in the state dir that opencode-bg did not make: left alone. */
  foreign: string[];
}

/** Looks at the state dir without changing anything. */
export async function describeStateDir(stateDir: string): Promise<StateDirContents> {
  const entries = await fs.readdir(stateDir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return undefined;
    throw error;
  });
  if (!entries) return { stateDir, exists: false, jobFolders: 0, bytes: 0, foreign: [] };
  const jobs = jobsDir(stateDir);
  const jobFolders = (await fs.readdir(jobs, { withFileTypes: true }).catch(() => [])).filter((entry) => entry.isDirectory()).length;
  let bytes = await treeBytes(jobs);
  for (const name of OWN_FILES) bytes += (await fs.stat(path.join(stateDir, name)).catch(() => undefined))?.size ?? 0;
  const ours = new Set<string>([path.basename(jobs), ...OWN_FILES]);
  return { stateDir, exists: true, jobFolders, bytes, foreign: entries.filter((name) => !ours.has(name)).sort() };
}

/**
 * Deletes jobs/ and our own files, then the state dir if nothing else is in it. Call it only
 * after every job was killed: a live wrapper would write its exit file into a deleted folder.
 */
export async function removeStateDir(stateDir: string): Promise<{ removedDir: boolean }> {
  // Retries: a wrapper that was just killed may still be finishing its last write.
  await fs.rm(jobsDir(stateDir), { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  for (const name of OWN_FILES) await fs.rm(path.join(stateDir, name), { force: true });
  try {
    await fs.rmdir(stateDir);
    return { removedDir: true };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return { removedDir: true };
    if (code === "ENOTEMPTY" || code === "EEXIST") return { removedDir: false };
    throw error;
  }
}

/** Total size of the regular files under a folder. */
export async function treeBytes(dir: string): Promise<number> {
  let total = 0;
  const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) total += await treeBytes(file);
    else if (entry.isFile()) total += (await fs.stat(file).catch(() => undefined))?.size ?? 0;
  }
  return total;
}
