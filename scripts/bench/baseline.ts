// The BASELINE every figure is compared with: the original plugin's way of running a job, a
// direct child_process.spawn of `bash -c <command>` with stdout/stderr piped and accumulated in
// memory as strings. Every process started here (and every descendant we saw) is remembered by
// pid + start time so cleanup kills exactly those and nothing else.
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { descendants } from "./procfs.js";

/** One baseline process, as the original plugin held it. */
export interface PipedRun {
  child: ChildProcess;
  pid: number;
  /** performance.now() at spawn(). */
  startedAt: number;
  /** Resolves with performance.now() of the first stdout chunk. */
  firstChunk: Promise<number>;
  /** Resolves when the process itself has exited (its orphans may still hold the pipes). */
  exited: Promise<Exit>;
  /** Resolves when it has exited AND every pipe closed, i.e. all output was read. */
  closed: Promise<Exit>;
  /** Everything printed so far (stdout + stderr), if accumulating. */
  output(): string;
  /** Characters received so far (counted even when not accumulating). */
  received(): number;
}

/** How a baseline run treats its output. */
export interface PipedOptions {
  /** Keep the output in memory like the original did (default true). */
  accumulate?: boolean;
  /** Called per complete stdout line with performance.now() of the chunk that finished it. */
  onLine?: (line: string, at: number) => void;
}

/** How a baseline process ended, with performance.now() of the event. */
export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  at: number;
}

// pid -> start time (clock ticks after boot), for pid-reuse-safe cleanup.
const started = new Map<number, number>();

/** Spawns `bash -c command` with piped output, the original plugin's way. */
export function spawnPiped(command: string, options: PipedOptions = {}): PipedRun {
  const accumulate = options.accumulate ?? true;
  const startedAt = performance.now();
  const child = spawn("bash", ["-c", command], { stdio: ["ignore", "pipe", "pipe"] });
  if (child.pid === undefined) throw new Error("baseline spawn failed (no pid)");
  const pid = child.pid;
  remember(pid);
  let text = "";
  let count = 0;
  let partial = "";
  let resolveFirst: (at: number) => void = () => undefined;
  const firstChunk = new Promise<number>((resolve) => (resolveFirst = resolve));
  child.stdout?.setEncoding("utf8");
  child.stderr?.setEncoding("utf8");
  child.stdout?.on("data", (chunk: string) => {
    const at = performance.now();
    resolveFirst(at);
    count += chunk.length;
    if (accumulate) text += chunk;
    if (options.onLine) {
      const parts = (partial + chunk).split("\n");
      partial = parts.pop() ?? "";
      for (const line of parts) options.onLine(line, at);
    }
  });
  child.stderr?.on("data", (chunk: string) => {
    count += chunk.length;
    if (accumulate) text += chunk;
  });
  const exited = new Promise<Exit>((resolve) => {
    child.on("exit", (code, signal) => resolve({ code, signal, at: performance.now() }));
  });
  const closed = new Promise<Exit>((resolve) => {
    child.on("close", (code, signal) => resolve({ code, signal, at: performance.now() }));
  });
  return { child, pid, startedAt, firstChunk, exited, closed, output: () => text, received: () => count };
}

/** Remembers a pid we are responsible for (a baseline process or one of its children). */
export function remember(pid: number): void {
  const start = startTime(pid);
  // Unreadable right now: remember the pid without a start time (trusted for this short run).
  if (start !== undefined) started.set(pid, start === "unknown" ? -1 : start);
}

/** SIGKILLs a baseline process and its descendants (children first seen now, remembered). Call it for one run at a time: each does a /proc scan. */
export async function reap(run: PipedRun): Promise<void> {
  const tree = await descendants(run.pid).catch(() => []);
  for (const proc of tree) remember(proc.pid);
  killRemembered([run.pid, ...tree.map((proc) => proc.pid)]);
  await Promise.race([run.exited, sleep(2000)]);
}

/** SIGKILLs the given remembered pids that are still the processes we started. */
export function killRemembered(pids: Iterable<number> = started.keys()): number {
  let killed = 0;
  for (const pid of [...pids]) {
    const expected = started.get(pid);
    if (expected === undefined) continue;
    const now = startTime(pid);
    if (now === "unknown") continue; // could not read /proc (e.g. EMFILE): keep it for a later try
    if (now === expected || (expected === -1 && now !== undefined)) {
      try {
        process.kill(pid, "SIGKILL");
        killed++;
      } catch {
        // Exited meanwhile.
      }
    }
    started.delete(pid);
  }
  return killed;
}

/** Start time of a pid in clock ticks after boot; undefined if gone or a zombie, "unknown" if unreadable. */
function startTime(pid: number): number | undefined | "unknown" {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
    if (fields[0] === "Z" || fields[0] === "X") return undefined;
    return Number(fields[19]);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === "ENOENT" || code === "ESRCH" ? undefined : "unknown";
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
