// The agent and model each chat session last used, so a notification prompt continues the
// session as it was instead of switching it to the default agent or model.
import type { PluginInput } from "@opencode-ai/plugin";

export interface SessionModel {
  agent?: string | undefined;
  model?: { providerID: string; modelID: string } | undefined;
}

export class SessionContext {
  private readonly known = new Map<string, SessionModel>();

  constructor(private readonly client: PluginInput["client"]) {}

  /** Fed by the chat.message hook on every user message. */
  remember(sessionId: string, value: SessionModel): void {
    if (value.agent || value.model) this.known.set(sessionId, value);
  }

  forget(sessionId: string): void {
    this.known.delete(sessionId);
  }

  /** The session's agent/model: remembered, or read from its last user message. */
  async lookup(sessionId: string): Promise<SessionModel> {
    const known = this.known.get(sessionId);
    if (known) return known;
    try {
      const response = await this.client.session.messages({ path: { id: sessionId } });
      const messages = (response.data ?? []) as { info: { role: string; agent?: string; model?: { providerID: string; modelID: string } } }[];
      const lastUser = [...messages].reverse().find((message) => message.info.role === "user");
      const found = { agent: lastUser?.info.agent, model: lastUser?.info.model };
      this.remember(sessionId, found);
      return found;
    } catch {
      return {};
    }
  }
}
