// Whether a control-mode client may be used on a tmux server. tmux 3.2a to 3.5a crash (SIGSEGV in
// control_write: the client's control state is still NULL) when a session is created or killed,
// or another notification for every control client fires, while a control-mode client is still
// identifying itself to the server. Measured here under CPU load with a session created and
// killed in a loop: the server died after 109 (3.2a), 64 (3.3a), 594 (3.4) and 53 (3.5a)
// control-client starts; 3.7c survived 1500 (newer tmux checks that state before notifying).
// A person's default tmux server holds their own sessions: there, control mode is used only
// where that crash is fixed, and commands are spawned otherwise (slower; plain clients are not
// affected). A private server (the tmuxSocket option) holds only opencode-bg's jobs.

import { tmuxVersionAtLeast } from "./client.js";

/** The first release measured free of the crash (3.6 was not available to test). */
export const CONTROL_MODE_SAFE_FROM = { major: 3, minor: 7 } as const;

/** `versionText` as `tmux -V` prints it after "tmux " ("3.3a", "next-3.6", "master"). */
export function controlModeIsSafe(versionText: string, privateServer: boolean): boolean {
  return privateServer || tmuxVersionAtLeast(versionText, CONTROL_MODE_SAFE_FROM);
}
