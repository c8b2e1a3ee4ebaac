// Every job's watches in memory (watch.json, see watch-spec.ts) and the one function that decides,
// per output line, whether it is an event for the job's session: an OPENCODE_NOTIFY marker, a
// line matching a watch, or the line that makes the job ready. The tailer calls it for every new
// line and the notify take-over's re-scan calls it for the lines it re-reads, so watch matches
// ride the markers' cursor (line end offsets) and go out exactly once across instances.
import path from "node:path";
import { InvalidInputError } from "../errors.js";
import { readJson, writeJson } from "../job/job-files.js";
import { parseNotifyLine } from "./notify.js";
import type { LineContext, LineEvent } from "./line-event.js";
import { compileSafePattern } from "../output/safe-regex.js";
import { compileWatch, parseWatchList, WatchFileSchema, WATCH_LIMITS, WATCH_PRESETS, type CompiledWatch, type WatchFile } from "./watch-spec.js";
import { RE2JS } from "re2js";

/** Lines quoted before a watch match. */
export const WATCH_CONTEXT_LINES = 3;

export interface WatchView {
  watches: string[];
  ready?: { condition: string; firedAt?: number | undefined; line?: string | undefined } | undefined;
  lastMatch?: { at: number; line: string; watch: string } | undefined;
  matches: number;
}

interface JobState {
  file: WatchFile;
  compiled: CompiledWatch[];
  /** All watches as one alternation: one RE2 test per line when nothing matches (the usual case). */
  any: RE2JS | undefined;
  ready: RE2JS | undefined;
  lastMatch: WatchView["lastMatch"];
  matches: number;
}

const fileOf = (dir: string) => path.join(dir, "watch.json");

export class JobWatches {
  private readonly states = new Map<string, JobState>();

  /** Puts a job's watch file in memory (a new job, or one read from disk). */
  adopt(jobId: string, file: WatchFile): void {
    const old = this.states.get(jobId);
    const ready = file.ready;
    // A readiness already seen here stays seen, whatever an older file says.
    if (ready && old?.file.ready?.firedAt !== undefined && ready.firedAt === undefined) Object.assign(ready, pick(old.file.ready));
    this.states.set(jobId, {
      file,
      compiled: file.watches.map((source) => compileWatch(source)),
      any: anyOf(file.watches),
      ready: ready?.pattern ? compileSafePattern(ready.pattern, { field: "waitFor.pattern", ignoreCase: ready.ignoreCase === true }) : undefined,
      lastMatch: old?.lastMatch,
      matches: old?.matches ?? 0,
    });
  }

  /** Reads a job's watch.json (absent: nothing watched). `ifUnknown`: keep what is already in memory. */
  async load(jobId: string, dir: string, options: { ifUnknown?: boolean } = {}): Promise<void> {
    if (options.ifUnknown && this.states.has(jobId)) return;
    const file = await readJson(fileOf(dir), WatchFileSchema).catch(() => undefined);
    if (file) this.adopt(jobId, file);
  }

  /** Writes and adopts a job's watch file. */
  async save(jobId: string, dir: string, file: WatchFile): Promise<void> {
    await writeJson(fileOf(dir), file);
    this.adopt(jobId, file);
  }

  /** watchProcess: adds and removes watches of a job; returns the new list. Throws InvalidInputError. */
  async change(jobId: string, dir: string, change: { add?: unknown; remove?: unknown }): Promise<string[]> {
    const current = this.states.get(jobId)?.file ?? { version: 1 as const, watches: [] };
    const add = parseWatchList(change.add, "add");
    const remove = new Set(parseWatchList(change.remove, "remove"));
    const watches = [...new Set([...current.watches.filter((item) => !remove.has(item)), ...add])];
    if (watches.length > WATCH_LIMITS.patterns) throw new InvalidInputError(`a process has at most ${WATCH_LIMITS.patterns} watches; this change would give it ${watches.length}.`);
    await this.save(jobId, dir, { ...current, watches });
    return watches;
  }

  /** Readiness by port, not yet seen: what the port poller probes. */
  pendingPorts(): { jobId: string; port: number }[] {
    const pending: { jobId: string; port: number }[] = [];
    for (const [jobId, state] of this.states) {
      const port = state.file.ready?.port;
      if (port !== undefined && state.file.ready?.firedAt === undefined) pending.push({ jobId, port });
    }
    return pending;
  }

  /** Records a port readiness (in memory and in watch.json) so no instance reports it again. */
  async markPortReady(jobId: string, dir: string): Promise<void> {
    const state = this.states.get(jobId);
    if (!state?.file.ready) return;
    state.file.ready.firedAt = Date.now();
    await writeJson(fileOf(dir), state.file);
  }

  view(jobId: string): WatchView | undefined {
    const state = this.states.get(jobId);
    if (!state) return undefined;
    const ready = state.file.ready;
    return {
      watches: state.file.watches,
      ...(ready ? { ready: { condition: ready.port !== undefined ? `port ${ready.port}` : `pattern /${ready.pattern}/${ready.ignoreCase ? "i" : ""}`, firedAt: ready.firedAt, line: ready.line } } : {}),
      lastMatch: state.lastMatch,
      matches: state.matches,
    };
  }

  forget(jobId: string): void {
    this.states.delete(jobId);
  }

  /** Whether `detect` may find more than markers in a job's new lines: a watch, or a readiness pattern not seen yet. */
  needsEveryLine(jobId: string): boolean {
    const state = this.states.get(jobId);
    return state !== undefined && (state.compiled.length > 0 || (state.ready !== undefined && state.file.ready?.firedAt === undefined));
  }

  /**
   * The event a line is, if any. `rescan`: the line is re-read by a take-over, so a readiness
   * counts only if it is the very line recorded as the job's readiness.
   */
  detect(jobId: string, line: string, context: LineContext, dir?: string, rescan = false): LineEvent | undefined {
    const marker = parseNotifyLine(line);
    if (marker !== undefined) return { kind: "marker", message: marker };
    const state = this.states.get(jobId);
    if (!state) return undefined;
    const ready = state.file.ready;
    if (state.ready && ready && state.ready.test(line)) {
      if (ready.firedAt === undefined && !rescan) {
        Object.assign(ready, { firedAt: Date.now(), position: context.end(), line });
        // Best effort: an instance that reloads the job later must not report it again.
        if (dir) void writeJson(fileOf(dir), state.file).catch(() => undefined);
        return readyEvent(ready.pattern ?? "", line);
      }
      if (rescan && ready.position === context.end()) return readyEvent(ready.pattern ?? "", line);
    }
    if (state.any && !state.any.test(line)) return undefined;
    for (const watch of state.compiled) {
      if (!watch.regex.test(line)) continue;
      if (!rescan) {
        state.lastMatch = { at: Date.now(), line, watch: watch.source };
        state.matches++;
      }
      const at = context.lineNo === undefined ? "" : ` (line ${context.lineNo})`;
      const before = context.before(WATCH_CONTEXT_LINES);
      return {
        kind: "watch",
        message: [...before, line].join("\n"),
        title: `printed a line matching watch ${JSON.stringify(watch.source)}${at}${before.length ? `, quoted last after ${before.length} line(s) of context` : ""}`,
      };
    }
    return undefined;
  }
}

/**
 * One RE2 program for every watch (each in its own group, so inline flags like (?i) stay inside
 * it). Measured on 10 MB of ~100-byte ordinary lines with 3 watches ("errors" and two patterns):
 * 216 ms of CPU as 3 tests per line, ~55 ms as this one test (bench: watch.cpu detectorMs).
 */
function anyOf(watches: readonly string[]): RE2JS | undefined {
  if (watches.length === 0) return undefined;
  const union = watches.map((source) => `(?:${WATCH_PRESETS[source] ?? source})`).join("|");
  try {
    return RE2JS.compile(union);
  } catch {
    // Each one compiled alone (checked at the boundary); a union that does not is tested one by one.
    return undefined;
  }
}

function readyEvent(pattern: string, line: string): LineEvent {
  return { kind: "ready", message: line, title: `is ready (its output matched /${pattern}/)` };
}

function pick(ready: NonNullable<WatchFile["ready"]>): Partial<NonNullable<WatchFile["ready"]>> {
  return { firedAt: ready.firedAt, ...(ready.position === undefined ? {} : { position: ready.position }), ...(ready.line === undefined ? {} : { line: ready.line }) };
}
