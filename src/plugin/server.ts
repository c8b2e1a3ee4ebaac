// The OpenCode server plugin: the tools (tools/index.ts), notification delivery and cleanup
// hooks. Default export { id, server }, which OpenCode calls as server(input, options).
import type { Hooks, Plugin, PluginModule } from "@opencode-ai/plugin";
import { loadPluginOptions } from "./options.js";
import { reportOptionWarnings } from "./unknown-options.js";
import { PluginRuntime } from "./runtime.js";
import { pluginTools } from "./tools/index.js";
import { compactionHook } from "./compaction.js";

const server: Plugin = async (input, rawOptions) => {
  const { options, error, warnings } = loadPluginOptions(rawOptions);
  reportOptionWarnings(input.client, warnings);
  const runtime = new PluginRuntime(input, options, error);
  const deps = { manager: () => runtime.manager(), defaults: { notifyOnExit: runtime.options.notifyOnExit } };
  const hooks: Hooks = {
    tool: pluginTools(deps),
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
