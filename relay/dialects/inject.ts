import type { ProtocolName } from '../config/schema.js';
import type { Bus } from '../core/bus.js';
import type { PeerView } from '../core/peer.js';
import { InjectError } from './types.js';

/** The peer an operator named by its registry key, if it speaks this protocol, on whichever node holds it. */
export function injectPeer(bus: Bus, protocol: ProtocolName, key: string): PeerView {
  const peer = bus.peer(key);
  if (!peer || peer.protocol !== protocol) throw new InjectError(`no ${protocol} peer ${key}`);
  return peer;
}

/** Rooms of these protocols carry no metadata, so a filter could only be a mistake. */
export function refuseFilter(protocol: ProtocolName, filter: string | undefined): void {
  if (filter) throw new InjectError(`${protocol} peers have no metadata to filter on`);
}

/** An operator's payload that must be a JSON object; `shape` tells the operator what the protocol expects. */
export function injectObject(payload: string, shape: string): Record<string, unknown> {
  const value = injectJson(payload, shape);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InjectError(shape);
  return value as Record<string, unknown>;
}

/** An operator's payload read as JSON; `shape` tells the operator what the protocol expects. */
export function injectJson(payload: string, shape: string): unknown {
  try {
    return JSON.parse(payload) as unknown;
  } catch {
    throw new InjectError(`${shape}: the payload is not valid JSON`);
  }
}
