// Every tool the plugin registers, by the name the model calls it: server.ts registers this
// record and scripts/tool-size.ts measures it, so the bill counts exactly what is sent.
import type { ToolDefinition } from "@opencode-ai/plugin";
import type { ToolDeps } from "./context.js";
import { createBackgroundProcessTool } from "./create.js";
import { getBackgroundProcessTool } from "./get.js";
import { killProcessesTool } from "./kill.js";
import { listBackgroundProcessesTool } from "./list.js";
import { restartProcessTool } from "./restart.js";
import { sendProcessInputTool } from "./send.js";
import { waitForProcessTool } from "./wait.js";
import { watchProcessTool } from "./watch.js";

export function pluginTools(deps: ToolDeps): Record<string, ToolDefinition> {
  return {
    createBackgroundProcess: createBackgroundProcessTool(deps),
    getBackgroundProcess: getBackgroundProcessTool(deps),
    listBackgroundProcesses: listBackgroundProcessesTool(deps),
    killProcesses: killProcessesTool(deps),
    sendProcessInput: sendProcessInputTool(deps),
    waitForProcess: waitForProcessTool(deps),
    restartProcess: restartProcessTool(deps),
    watchProcess: watchProcessTool(deps),
  };
}
