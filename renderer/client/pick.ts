import type { ConsoleClient } from '../../relay/console/types.js';
import { WsConsoleClient } from './ws-client.js';

declare global {
  interface Window {
    /** Electron's preload bridge: the console API over IPC. */
    switchboard?: ConsoleClient;
  }
}

const TOKEN_KEY = 'switchboard.token';

/** The browser console's token (for links the relay serves behind it); none in Electron. */
export function consoleToken(): string | undefined {
  return window.switchboard ? undefined : (sessionStorage.getItem(TOKEN_KEY) ?? undefined);
}

/** The one place that knows which shell the console runs in. */
export function pickClient(): ConsoleClient {
  if (window.switchboard) return window.switchboard;
  const fromHash = new URLSearchParams(location.hash.slice(1)).get('token');
  if (fromHash) sessionStorage.setItem(TOKEN_KEY, fromHash);
  return new WsConsoleClient(location.origin, fromHash ?? sessionStorage.getItem(TOKEN_KEY) ?? '');
}
