// One /proc scan shared by every job whose processes are being collected at the same moment
// (a kill of 50 jobs at once, issue 11). Each collect used to scan /proc and read every live
// process's environ (and, for a job with a terminal, every process's open fds) on its own:
// 50 jobs x 2 rounds x ~400 processes; 50 quiet jobs took 17-29 s under load (collects were
// 95% of it). Freshness is kept: a caller only ever gets a scan that STARTED after it asked (it
// joins the scan queued behind a running one, never the running one), so it sees every process
// that existed when it asked, exactly as with a scan of its own. What a snapshot reads lazily
// (environ, open fds) is read at most once per process and shared by the jobs of that snapshot.
import { DEAD_STATES, type ProcessInfo } from "../procfs.js";

/** How a snapshot reads what it memoises; process-tree.ts passes procfs.ts's readers. */
export interface SnapshotReaders {
  scan(): Promise<ProcessInfo[]>;
  /** The raw environ, or undefined if the process is gone or unreadable; other errors throw. */
  environ(pid: number): Promise<Buffer | undefined>;
  /** Targets of the process's open fds (readlink of /proc/PID/fd/*); empty if unreadable. */
  fdTargets(pid: number): Set<string> | Promise<Set<string>>;
}

const NO_PIDS: ReadonlySet<number> = new Set();

/** One moment's process list, with per-process reads made at most once. */
export class ProcSnapshot {
  private readonly envIndexes = new Map<string, Promise<Map<string, Set<number>>>>();
  private readonly fds = new Map<number, Set<string> | Promise<Set<string>>>();

  constructor(readonly procs: ProcessInfo[], private readonly readers: SnapshotReaders) {}

  /**
   * The pids of the snapshot whose initial environment holds exactly the entry `name=value`.
   * The first call for a name reads every live process's environ once and indexes it by value,
   * so each job of a bulk kill looks its marker up instead of awaiting ~600 reads of its own.
   */
  async withEnvEntry(name: string, value: string): Promise<ReadonlySet<number>> {
    let index = this.envIndexes.get(name);
    if (!index) {
      index = this.indexEnvironments(name);
      this.envIndexes.set(name, index);
    }
    return (await index).get(value) ?? NO_PIDS;
  }

  private async indexEnvironments(name: string): Promise<Map<string, Set<number>>> {
    const index = new Map<string, Set<number>>();
    await Promise.all(
      this.procs.filter((p) => !DEAD_STATES.has(p.state)).map(async (p) => {
        const env = await this.readers.environ(p.pid);
        if (!env) return;
        for (const value of envValues(env, name)) {
          const pids = index.get(value);
          if (pids) pids.add(p.pid);
          else index.set(value, new Set([p.pid]));
        }
      }),
    );
    return index;
  }

  /** Whether any of the process's open files is `file`. */
  async holdsFile(pid: number, file: string): Promise<boolean> {
    let targets = this.fds.get(pid);
    if (!targets) {
      targets = this.readers.fdTargets(pid);
      this.fds.set(pid, targets);
    }
    return (await targets).has(file);
  }
}

/** The values of every `name=` entry of a NUL-separated environ block (a block may repeat a name). */
export function envValues(env: Buffer, name: string): Set<string> {
  const prefix = Buffer.from(`${name}=`);
  const values = new Set<string>();
  let start = 0;
  while (start < env.length) {
    let end = env.indexOf(0, start);
    if (end < 0) end = env.length;
    if (end - start >= prefix.length && env.compare(prefix, 0, prefix.length, start, start + prefix.length) === 0) {
      values.add(env.toString("utf8", start + prefix.length, end));
    }
    start = end + 1;
  }
  return values;
}

/** Hands out snapshots, coalescing concurrent requests into as few scans as freshness allows. */
export class SnapshotSource {
  private running: Promise<ProcSnapshot> | undefined;
  private queued: Promise<ProcSnapshot> | undefined;

  constructor(private readonly readers: SnapshotReaders) {}

  /** A snapshot whose scan started after this call. */
  take(): Promise<ProcSnapshot> {
    if (!this.running) return this.start();
    // The running scan began before we asked: wait for the next one, shared by all who ask meanwhile.
    this.queued ??= this.running.then(noop, noop).then(() => {
      this.queued = undefined;
      return this.start();
    });
    return this.queued;
  }

  private start(): Promise<ProcSnapshot> {
    const scan: Promise<ProcSnapshot> = this.readers.scan().then((procs) => new ProcSnapshot(procs, this.readers)).finally(() => {
      if (this.running === scan) this.running = undefined;
    });
    this.running = scan;
    return scan;
  }
}

function noop(): void {}
