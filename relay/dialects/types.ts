import type { IncomingMessage, ServerResponse } from 'node:http';
import type { WebSocket } from 'ws';
import type { Config, ProtocolName } from '../config/schema.js';
import type { Core } from '../core/core.js';

/** What every dialect is given: the relay's core and its settings. */
export interface DialectContext extends Core {
  config: Config;
}

/** What a protocol reads from an upgrade before it is accepted, for the relay's limits to judge. */
export interface UpgradeAsk {
  /** Rooms the client joins on connecting. */
  rooms?: string[];
  /** Size of the metadata it brings, in bytes. */
  metaBytes?: number;
}

/** Who an operator's message goes to. `peer` is the hub's peer key. */
export type InjectTarget =
  | { kind: 'peer'; peer: string }
  | { kind: 'room'; room: string; filter?: string }
  | { kind: 'everyone' };

/** An operator request the protocol cannot carry: the console shows the message. */
export class InjectError extends Error {
  override name = 'InjectError';
}

/**
 * One wire protocol. A dialect owns its frames, ids, handshake and quirks; it asks the hub to
 * route, and never decides isolation itself.
 */
export interface Dialect {
  readonly protocol: ProtocolName;
  /** The largest message a client may send; over it the socket is closed with 1009. */
  readonly maxPayload: number;
  /** Whether an upgrade or request at this path belongs to this protocol on a shared port. */
  claims(url: URL): boolean;
  /** What an upgrade asks for (rooms, metadata), read before it is accepted so the relay's limits can refuse it. */
  inspectUpgrade?(req: IncomingMessage, url: URL): UpgradeAsk;
  accept(ws: WebSocket, req: IncomingMessage, url: URL): void;
  /** Plain HTTP requests the protocol serves (a REST API); returns false when the path is not its own. */
  handleHttp?(req: IncomingMessage, res: ServerResponse, url: URL): boolean;
  /** Sends an operator's message in the protocol's own shape; returns how many peers received it. */
  inject(target: InjectTarget, payload: string): number;
  /** A template for the console's composer. */
  readonly injectTemplate: string;
  /** What an operator's payload is: a JSON value, or free text (spacewar's "<type> <data>"). */
  readonly injectFormat: 'json' | 'text';
  stop?(): void;
}
