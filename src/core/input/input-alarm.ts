// The waiting-for-input alarm wired into the core: who may raise it (the instance that delivers the
// job's notifications), where it goes (the manager's inputWait event), and the tmux window mark a
// person sees. The detector itself is input-wait.ts.
import { markWaiting, unmarkWaiting } from "../../tmux/input-mark.js";
import { serverRuns } from "../job/server-identity.js";
import type { Notifications } from "../notify/notifications.js";
import type { CoreBase } from "../parts.js";
import { InputWaits } from "./input-wait.js";

export function createInputWaits(base: CoreBase, notifications: Notifications): InputWaits {
  const { config, registry, servers, observeOnly, debug } = base;
  const inputWaits = new InputWaits({
    waitMs: config.inputWaitMs,
    // Raised by an instance that delivers the job's notifications (any listener, for a job without a session).
    raises: async (job) => !observeOnly && registry.events.listenerCount("inputWait") > 0 && (!job.meta.sessionId || (await notifications.claim(job))),
    onRaise: (job, wait) => registry.events.emit("inputWait", registry.view(job), wait),
    onChange: (job) => registry.emitStatus(job),
    mark: async (job, wait) => {
      if (!job.started || !serverRuns(job.started)) return;
      const tmux = servers.for(job.started);
      await (wait ? markWaiting(tmux, job.started.windowId, `"${job.meta.name}" (${job.id}) waits for input: ${wait.prompt}`) : unmarkWaiting(tmux, job.started.windowId));
    },
    debug,
  });
  registry.internal.on("readEnd", (job) => inputWaits.afterRead(job));
  registry.internal.on("ended", (job) => inputWaits.ended(job));
  return inputWaits;
}
