/**
 * The IPC contract between the preload bridge and the main process: channel names, the ops a
 * renderer may ask for, and the envelope a request is answered in. Both sides import this file.
 */
import type { ConsoleOp } from '../../relay/console/types.js';

export const REQUEST_CHANNEL = 'switchboard:request';
export const SUBSCRIBE_CHANNEL = 'switchboard:subscribe';
export const UNSUBSCRIBE_CHANNEL = 'switchboard:unsubscribe';
export const EVENT_CHANNEL = 'switchboard:event';

/** The only ops main forwards; anything else is refused before it reaches the service. */
export const CONSOLE_OPS = [
  'snapshot',
  'peers',
  'peer',
  'rooms',
  'roomMembers',
  'kick',
  'inject',
  'subscribeTraffic',
  'unsubscribeTraffic',
  'exportTraffic',
  'log',
  'getSettings',
  'updateSettings',
  'captures',
  'startCapture',
  'stopCapture',
  'replayCapture',
] as const satisfies readonly ConsoleOp[];

// Fails to compile when the contract gains an op this list lacks.
const _everyOp: [Exclude<ConsoleOp, (typeof CONSOLE_OPS)[number]>] extends [never] ? true : never = true;

export function isConsoleOp(op: unknown): op is ConsoleOp {
  return typeof op === 'string' && (CONSOLE_OPS as readonly string[]).includes(op);
}

/**
 * How main answers a request. Errors travel as data so the renderer sees the service's own
 * message, not Electron's "Error invoking remote method" wrapping.
 */
export type Reply = { ok: true; result: unknown } | { ok: false; error: string };
