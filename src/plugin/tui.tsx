/** @jsxImportSource opencode-bg/tui-jsx */
// The OpenCode TUI plugin: a "Background" section in the session sidebar listing the pending and
// running jobs of that session plus the global ones of this project (name, runtime, status, first
// tag). OpenCode loads this file from source (no build step) on its main thread; the server
// plugin runs in a worker and owns the jobs, this side only watches the state dir.
//
// Updates come from the manager's `status` events (chokidar on the state dir). A 1 s clock runs
// only while a section shows at least one job, and only moves the runtime column: nothing is
// re-read from disk on a timer. When tmux is missing, the state dir is unreadable or the options
// are invalid, the section simply never appears.
import type { TuiPlugin, TuiPluginApi, TuiPluginModule, TuiThemeCurrent } from "@opencode-ai/plugin/tui";
import { createEffect, createMemo, createSignal, onCleanup, type Accessor } from "solid-js";
import type { JobView } from "../core/job/job.js";
import type { JobManager } from "../core/manager.js";
import { coreConfigFrom, parsePluginOptions } from "./options.js";
import { sidebarJobs, sidebarRow } from "./tui/sidebar-model.js";
// Names our JSX runtime in the source text: OpenCode rewrites the "@opentui/solid" import inside
// it to its own copy only for files it finds through literal imports (see tui-jsx/jsx-runtime.js).
import "./tui-jsx/jsx-runtime.js";

const PLUGIN_ID = "opencode-bg";
/** Where the section goes among the sidebar's own (context 100, MCP 200, LSP, todo, files...). */
const SIDEBAR_ORDER = 150;
const TICK_MS = 1000;

const tui: TuiPlugin = async (api, rawOptions) => {
  const [jobs, setJobs] = createSignal<readonly JobView[]>([]);
  let manager: JobManager | undefined;
  let stopListening: (() => void) | undefined;
  let disposed = false;

  const refresh = () => {
    if (manager && !disposed) setJobs(manager.list({ status: ["pending", "running"] }));
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
        return <BackgroundSection api={api} jobs={jobs} sessionId={() => props.session_id} />;
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
function BackgroundSection(props: { api: TuiPluginApi; jobs: Accessor<readonly JobView[]>; sessionId: Accessor<string | undefined> }) {
  const theme = () => props.api.theme.current;
  const visible = createMemo(() =>
    sidebarJobs(props.jobs(), {
      sessionId: props.sessionId(),
      directories: [props.api.state.path.directory, props.api.state.path.worktree],
    }),
  );
  const showing = createMemo(() => visible().length > 0);
  const [now, setNow] = createSignal(Date.now());
  createEffect(() => {
    if (!showing()) return;
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), TICK_MS);
    onCleanup(() => clearInterval(timer));
  });

  return () =>
    showing() ? (
      <box>
        <text fg={theme().text}>
          <b>Background</b>
        </text>
        {() => visible().map((job) => <JobRow job={job} now={now} theme={theme()} />)}
      </box>
    ) : null;
}

function JobRow(props: { job: JobView; now: Accessor<number>; theme: TuiThemeCurrent }) {
  const details = () => sidebarRow(props.job, props.now()).details;
  return (
    <box flexDirection="row" gap={1}>
      <text flexShrink={0} fg={props.job.status === "running" ? props.theme.success : props.theme.warning}>
        •
      </text>
      <text fg={props.theme.text} wrapMode="word">
        {sidebarRow(props.job).name} <span style={{ fg: props.theme.textMuted }}>{() => details()}</span>
      </text>
    </box>
  );
}

const plugin: TuiPluginModule & { id: string } = { id: PLUGIN_ID, tui };
export default plugin;
