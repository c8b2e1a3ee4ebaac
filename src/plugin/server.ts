// The OpenCode server plugin: the original plugin's four tools, notification delivery and
// cleanup hooks. Default export { id, server }, which OpenCode calls as server(input, options).
import type { Hooks, Plugin, PluginModule } from "@opencode-ai/plugin";
import { loadPluginOptions } from "./options.js";
import { PluginRuntime } from "./runtime.js";
import { createBackgroundProcessTool } from "./tools/create.js";
import { getBackgroundProcessTool } from "./tools/get.js";
import { killProcessesTool } from "./tools/kill.js";
import { listBackgroundProcessesTool } from "./tools/list.js";
import { sendProcessInputTool } from "./tools/send.js";
import { compactionHook } from "./compaction.js";
import { waitForProcessTool } from "./tools/wait.js";
import { restartProcessTool } from "./tools/restart.js";
import { watchProcessTool } from "./tools/watch.js";

const server: Plugin = async (input, rawOptions) => {
  const { options, error } = loadPluginOptions(rawOptions);
  const runtime = new PluginRuntime(input, options, error);
  const deps = { manager: () => runtime.manager(), defaults: { notifyOnExit: runtime.options.notifyOnExit } };
  const hooks: Hooks = {
    tool: {
      createBackgroundProcess: createBackgroundProcessTool(deps),
      getBackgroundProcess: getBackgroundProcessTool(deps),
      listBackgroundProcesses: listBackgroundProcessesTool(deps),
      killProcesses: killProcessesTool(deps),
      sendProcessInput: sendProcessInputTool(deps),
      waitForProcess: waitForProcessTool(deps),
      restartProcess: restartProcessTool(deps),
      watchProcess: watchProcessTool(deps),
    },
    async event({ event }) {
      if (event.type === "session.deleted") await runtime.onSessionDeleted(event.properties.info.id).catch(() => undefined);
    },
    "experimental.session.compacting": compactionHook(deps, input.directory),
    async "chat.message"(message) {
      runtime.sessions.remember(message.sessionID, { agent: message.agent, model: message.model });
    },
    async dispose() {
      await runtime.dispose();
    },
  };
  return hooks;
};

const plugin: PluginModule = { id: "opencode-bg", server };
export default plugin;
