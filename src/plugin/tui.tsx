/** @jsxImportSource opencode-bg/tui-jsx */
// The OpenCode TUI plugin: a "Background" section in the session sidebar listing the pending and
// running jobs of that session plus the global ones of this project (name, runtime, status,
// listening ports, first tag), then the ones that ended in the last ten minutes (at most five:
// "✓ build 12s", "✗ test 3s · exit 3"). OpenCode loads this file from source (no build step) on its
// main thread; the server plugin runs in a worker and owns the jobs, this side only watches the
// state dir.
//
// Updates come from the manager's `status` events (chokidar on the state dir). A 1 s clock runs
// only while a section shows at least one job: it moves the runtime column and lets ended jobs
// go. The only disk reads on a timer are the ports: one /proc pass every 5 s while a running job
// is shown (job-usage.ts; a listening socket makes no event). When tmux is missing, the state dir
// is unreadable or the options are invalid, the section simply never appears.
import type { TuiPlugin, TuiPluginApi, TuiPluginModule, TuiThemeCurrent } from "@opencode-ai/plugin/tui";
import { createEffect, createMemo, createSignal, onCleanup, type Accessor } from "solid-js";
import type { JobView } from "../core/job/job.js";
import type { JobUsage } from "../core/job/job-usage.js";
import type { JobManager } from "../core/manager.js";
import { coreConfigFrom, parsePluginOptions } from "./options.js";
import { sidebarJobs, sidebarRow, type RowTone } from "./tui/sidebar-model.js";
import { formatPorts } from "../text/usage.js";
// Names our JSX runtime in the source text: OpenCode rewrites the "@opentui/solid" import inside
// it to its own copy only for files it finds through literal imports (see tui-jsx/jsx-runtime.js).
import "./tui-jsx/jsx-runtime.js";

const PLUGIN_ID = "opencode-bg";
/** Where the section goes among the sidebar's own (context 100, MCP 200, LSP, todo, files...). */
const SIDEBAR_ORDER = 150;
const TICK_MS = 1000;
/** How often the ports of the running jobs shown are read again. */
const PORTS_MS = 5000;

const tui: TuiPlugin = async (api, rawOptions) => {
  const [jobs, setJobs] = createSignal<readonly JobView[]>([]);
  let manager: JobManager | undefined;
  let stopListening: (() => void) | undefined;
  let disposed = false;

  const refresh = () => {
    // Every job: the sidebar model picks the running ones and those that ended lately.
    if (manager && !disposed) setJobs(manager.list());
  };

  api.lifecycle.onDispose(async () => {
    disposed = true;
    stopListening?.();
    stopListening = undefined;
    const closing = manager;
    manager = undefined;
    await closing?.close().catch(() => undefined);
  });

  // Opened in the background: recovering the job list must not hold up the TUI's start.
  void openManager(api, rawOptions).then((opened) => {
    if (!opened) return;
    if (disposed) return void opened.close().catch(() => undefined);
    manager = opened;
    stopListening = opened.on("status", refresh);
    refresh();
  });

  api.slots.register({
    order: SIDEBAR_ORDER,
    slots: {
      sidebar_content(_ctx, props) {
        return <BackgroundSection api={api} jobs={jobs} sessionId={() => props.session_id} usage={(ids) => manager?.usage(ids, { memory: false }) ?? Promise.resolve(new Map())} />;
      },
    },
  });
};

/** The manager on the same state dir and tmux server as the server plugin; undefined if that fails. */
async function openManager(api: TuiPluginApi, rawOptions: unknown): Promise<JobManager | undefined> {
  let config;
  try {
    config = coreConfigFrom(parsePluginOptions(rawOptions));
  } catch (error) {
    toast(api, `opencode-bg: ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  }
  try {
    // Loaded lazily: the TUI compiles these sources on the fly, and need not wait for them.
    const { JobManager } = await import("../core/manager.js");
    return await JobManager.open({ config, observeOnly: true });
  } catch {
    // Unreadable state dir, a dependency that fails to load...: no section, nothing thrown.
    return undefined;
  }
}

function toast(api: TuiPluginApi, message: string): void {
  try {
    api.ui.toast({ variant: "warning", message });
  } catch {
    // The TUI is not ready for toasts: the section stays hidden either way.
  }
}

// Every part that changes is a function child (or an accessor prop), not a <Show>/<For> prop:
// OpenCode compiles this file with Solid's JSX transform when it loads it from a path, but a
// copy inside node_modules (an npm install) only gets the plain automatic JSX runtime, which
// evaluates props once. Function children stay reactive under both.
function BackgroundSection(props: {
  api: TuiPluginApi;
  jobs: Accessor<readonly JobView[]>;
  sessionId: Accessor<string | undefined>;
  usage: (ids: readonly string[]) => Promise<Map<string, JobUsage>>;
}) {
  const theme = () => props.api.theme.current;
  const [now, setNow] = createSignal(Date.now());
  // Ended jobs are let go on a 10 s step: the rows are not rebuilt on every tick of the clock.
  const expiryStep = createMemo(() => Math.floor(now() / 10_000));
  const visible = createMemo(() => {
    expiryStep();
    return sidebarJobs(props.jobs(), {
      sessionId: props.sessionId(),
      directories: [props.api.state.path.directory, props.api.state.path.worktree],
    });
  });
  const showing = createMemo(() => visible().length > 0);
  createEffect(() => {
    if (!showing()) return;
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), TICK_MS);
    onCleanup(() => clearInterval(timer));
  });
  // Ports of the running jobs shown: read when that set changes, then every PORTS_MS.
  const [ports, setPorts] = createSignal<ReadonlyMap<string, string>>(new Map());
  const runningIds = createMemo(() => visible().filter((job) => job.status === "running").map((job) => job.id).join(" "));
  createEffect(() => {
    const ids = runningIds().split(" ").filter(Boolean);
    if (ids.length === 0) return void setPorts(new Map());
    let stopped = false;
    const read = () =>
      void props.usage(ids).then(
        (usage) => !stopped && setPorts(new Map([...usage].map(([id, found]) => [id, formatPorts(found)]))),
        () => undefined,
      );
    read();
    const timer = setInterval(read, PORTS_MS);
    onCleanup(() => {
      stopped = true;
      clearInterval(timer);
    });
  });

  return () =>
    showing() ? (
      <box>
        <text fg={theme().text}>
          <b>Background</b>
        </text>
        {() => visible().map((job) => <JobRow job={job} now={now} ports={() => ports().get(job.id) ?? ""} theme={theme()} />)}
      </box>
    ) : null;
}

function JobRow(props: { job: JobView; now: Accessor<number>; ports: Accessor<string>; theme: TuiThemeCurrent }) {
  const details = () => sidebarRow(props.job, props.now(), props.ports()).details;
  const row = sidebarRow(props.job);
  return (
    <box flexDirection="row" gap={1}>
      <text flexShrink={0} fg={toneColor(row.tone, props.theme)}>
        {row.mark}
      </text>
      <text fg={props.theme.text} wrapMode="word">
        {row.name} <span style={{ fg: props.theme.textMuted }}>{() => details()}</span>
      </text>
    </box>
  );
}

function toneColor(tone: RowTone, theme: TuiThemeCurrent) {
  if (tone === "running" || tone === "success") return theme.success;
  if (tone === "failure") return theme.error;
  if (tone === "cancelled") return theme.textMuted;
  return theme.warning;
}

const plugin: TuiPluginModule & { id: string } = { id: PLUGIN_ID, tui };
export default plugin;
