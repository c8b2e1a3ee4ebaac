// The tmux servers this manager talks to: its own (where new jobs start, with the session made
// on first use) and, lazily, the servers of jobs another instance started on another socket
// (started.json records each job's). tmux itself is spoken in src/tmux; this only picks the server.
import { socketPathFor, TmuxClient } from "../../tmux/client.js";
import { TmuxServerGoneError, TmuxTargetGoneError } from "../../tmux/errors.js";
import { attachArgv, socketArgsFor } from "../../tmux/attach.js";
import { defaultTerminal, serverPid } from "../../tmux/server.js";
import { controlModeIsSafe } from "../../tmux/control-safety.js";
import { ensureSession, type SessionInfo } from "../../tmux/session.js";
import { startWindow, type StartedWindow, type StartWindowSpec } from "../../tmux/windows.js";
import type { JobStarted } from "../job/job-files.js";
import { processStartTime, serverRuns } from "../job/server-identity.js";

export type ServerIdentity = Pick<JobStarted, "serverPid" | "socketPath" | "serverStartTime" | "session">;

export class TmuxServers {
  private readonly own: TmuxClient;
  /** Clients of other tmux servers that jobs in the state dir run on (by socket path), made lazily. */
  private readonly others = new Map<string, TmuxClient>();
  private session: SessionInfo | undefined;
  private tmuxVersion: string | undefined;
  /** The TERM tmux gives panes, so the wrapper can start from a clean environment in one exec. */
  private paneTerm: string | undefined;

  constructor(private readonly options: { socketName: string | undefined; sessionName: string; env: NodeJS.ProcessEnv }) {
    this.own = new TmuxClient({ socketName: options.socketName, env: options.env });
  }

  get connected(): boolean {
    return this.session !== undefined;
  }

  /** Makes sure our session exists and keeps a control-mode client on it for fast commands. */
  async connect(): Promise<void> {
    // Once per manager: a tmux too old for what we rely on fails here with a clear message.
    this.tmuxVersion ??= await this.own.checkVersion();
    this.session = await ensureSession(this.own, this.options.sessionName);
    // Not on a person's default server with a tmux that a starting control client can crash.
    if (controlModeIsSafe(this.tmuxVersion, this.options.socketName !== undefined)) await this.own.useControlMode(this.options.sessionName);
    this.paneTerm = await defaultTerminal(this.own);
  }

  /** The pane's argv for `wrapper`: with an empty environment (the tmux server's is stale). */
  cleanArgv(wrapper: readonly string[]): string[] {
    // Without a known TERM the wrapper cleans the environment itself (one more exec).
    return this.paneTerm ? ["/usr/bin/env", "-i", "OPENCODE_BG_CLEAN=1", `TERM=${this.paneTerm}`, ...wrapper] : [...wrapper];
  }

  /** Starts a window on our server; if the server or session vanished since we last looked, makes it again once. */
  async startWindow(spec: () => Omit<StartWindowSpec, "session">): Promise<StartedWindow> {
    if (!this.session) await this.connect();
    const full = () => ({ ...spec(), session: this.options.sessionName });
    try {
      return await startWindow(this.own, full());
    } catch (error) {
      if (!(error instanceof TmuxServerGoneError || error instanceof TmuxTargetGoneError)) throw error;
      await this.connect();
      return await startWindow(this.own, full());
    }
  }

  /** Our server, as started.json records it (after connect). */
  identity(): ServerIdentity {
    const serverPid = this.session?.serverPid ?? 0;
    const serverStartTime = processStartTime(serverPid);
    return {
      serverPid,
      ...(this.session?.socketPath ? { socketPath: this.session.socketPath } : {}),
      ...(serverStartTime === undefined ? {} : { serverStartTime }),
      session: this.options.sessionName,
    };
  }

  /** This manager's own socket path: as tmux reported it, or where tmux puts it. */
  private get ownSocketPath(): string {
    return this.session?.socketPath || socketPathFor(this.options.socketName, this.options.env);
  }

  /** The tmux server a job runs on: its own (started.json), or ours for jobs that do not say. */
  for(started: JobStarted | undefined): TmuxClient {
    const socketPath = started?.socketPath;
    if (!socketPath || socketPath === this.ownSocketPath) return this.own;
    let client = this.others.get(socketPath);
    if (!client) {
      client = new TmuxClient({ socketPath, env: this.options.env });
      this.others.set(socketPath, client);
    }
    return client;
  }

  /** Whether the client `for` gives reaches the job's server (only jobs without a socket path can miss). */
  async reaches(started: JobStarted): Promise<boolean> {
    if (started.socketPath) return true;
    return (await serverPid(this.own)) === started.serverPid;
  }

  /** The argv a person runs to attach to a job's window (`started` undefined: to our session). */
  attachCommand(started: JobStarted | undefined): string[] {
    // A window id only means something to the tmux server that made it.
    const window = started && serverRuns(started) ? started.windowId : undefined;
    // The job's own server: by its socket path, unless that is ours (-L name) or the default one.
    const client = this.for(started);
    const socketArgs = client === this.own ? this.own.socketArgs : socketArgsFor(client, socketPathFor(undefined, this.options.env));
    return attachArgv(socketArgs, started?.session ?? this.options.sessionName, window);
  }

  close(): void {
    this.own.close();
    for (const client of this.others.values()) client.close();
  }
}
