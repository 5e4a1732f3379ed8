import type { ConsoleEvent, ConsoleOp } from '../../relay/console/types.js';
import type { Relay } from '../../relay/relay.js';

/** One window's view of the console: its own traffic subscription; events for it go to `emit`. */
export interface ConsoleSession {
  request(op: ConsoleOp, params: unknown): Promise<unknown>;
  close(): void;
}

/** What the desktop shell needs from the relay's ConsoleService. */
export interface DesktopConsole {
  openSession(emit: (event: ConsoleEvent) => void): ConsoleSession;
  /** The browser console's URL at an origin such as http://127.0.0.1:8765, with the token it needs. */
  consoleUrl(origin: string): string;
  /** Stops the service's timers (before the relay stops). */
  close(): void;
}

export type ConsoleFactory = (relay: Relay) => DesktopConsole;

/**
 * Stands in until the relay's ConsoleService is wired here: the relay runs and the menu works,
 * and every console request says plainly that the service is missing.
 */
export const unwiredConsole: ConsoleFactory = () => ({
  openSession: () => ({
    request: (op) => Promise.reject(new Error(`the console service is not part of this build (op "${op}")`)),
    close: () => undefined,
  }),
  consoleUrl: (origin) => `${origin}/console/`,
  close: () => undefined,
});
