// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * The only owner of the agent WebSocket (skeleton). Keepalive, reconnect with backoff and the
 * pairing proof arrive with the extension issue; this version asks the agent for `status`.
 */
import { DEFAULT_AGENT_PORT, PROTOCOL_VERSIONS } from '../../../shared/protocol/index.js';

export interface AgentStatus {
  readonly connected: boolean;
  readonly agentVersion?: string;
  readonly token?: string;
}

export function probeAgent(port = DEFAULT_AGENT_PORT, timeoutMs = 2000): Promise<AgentStatus> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (status: AgentStatus, socket?: WebSocket) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket?.close();
      resolve(status);
    };
    const timer = setTimeout(() => finish({ connected: false }), timeoutMs);
    let socket: WebSocket;
    try {
      socket = new WebSocket(`ws://127.0.0.1:${port}`);
    } catch {
      finish({ connected: false });
      return;
    }
    socket.onerror = () => finish({ connected: false }, socket);
    socket.onopen = () => socket.send(JSON.stringify({ v: 1, kind: 'hello', versions: PROTOCOL_VERSIONS }));
    socket.onmessage = (event: MessageEvent) => {
      const message = JSON.parse(String(event.data)) as Record<string, unknown>;
      if (message['kind'] === 'welcome') socket.send(JSON.stringify({ v: 1, kind: 'req', id: 'status-1', method: 'status' }));
      if (message['kind'] === 'res') {
        const result = (message['result'] ?? {}) as { agentVersion?: string; token?: string };
        finish({ connected: true, agentVersion: result.agentVersion, token: result.token }, socket);
      }
    };
  });
}
