import type { ConsoleClient, ConsoleEvent } from '../../relay/console/types.js';
import { EVENT_CHANNEL, REQUEST_CHANNEL, SUBSCRIBE_CHANNEL, UNSUBSCRIBE_CHANNEL, type Reply } from '../shared/bridge.js';

/** The part of ipcRenderer the bridge uses. */
export interface BridgeIpc {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  send(channel: string, ...args: unknown[]): void;
  on(channel: string, listener: (event: unknown, payload: ConsoleEvent) => void): unknown;
}

/**
 * The ConsoleClient the renderer gets as `window.switchboard`: requests go to main over IPC, and
 * main sends this window's events only while someone listens.
 */
export function createBridge(ipc: BridgeIpc): ConsoleClient {
  const listeners = new Set<(event: ConsoleEvent) => void>();
  ipc.on(EVENT_CHANNEL, (_e, event) => {
    for (const l of [...listeners]) l(event);
  });
  return {
    async request(op, params) {
      const reply = (await ipc.invoke(REQUEST_CHANNEL, op, params)) as Reply;
      if (!reply.ok) throw new Error(reply.error);
      return reply.result as never;
    },
    onEvent(listener) {
      const wrapped = (event: ConsoleEvent): void => listener(event);
      listeners.add(wrapped);
      if (listeners.size === 1) ipc.send(SUBSCRIBE_CHANNEL);
      return () => {
        if (listeners.delete(wrapped) && listeners.size === 0) ipc.send(UNSUBSCRIBE_CHANNEL);
      };
    },
  };
}
