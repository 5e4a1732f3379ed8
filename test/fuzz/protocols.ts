import type { Config, ProtocolName } from '../../relay/config/schema.js';
import type { Client } from '../helpers/client.js';

/**
 * What the fuzz test needs to know of a protocol: how to be in a room, how to send a legitimate
 * message to the rest of it, and how to recognise that message delivered. Adding a protocol to
 * the fuzz test is one entry here.
 */
export interface FuzzProtocol {
  name: ProtocolName;
  /** Settings that make the protocol's keepalive notice a silent half-open socket within seconds. */
  config: Partial<Config>;
  /** Path and query of a WebSocket in `room`; `base` is http://host:port, for protocols that register first. */
  path(base: string, room: string): Promise<string>;
  /** Reads what the relay sends a newcomer; resolves once `c` is a member of `room` and may send. */
  join(c: Client, room: string): Promise<void>;
  /** A frame sending `tag` to every other member of the room. */
  message(tag: string): string;
  /** The tag a delivered message() carries, or undefined for any other frame. */
  tagOf(frame: string): string | undefined;
}

function jsonField(frame: string, check: (v: Record<string, unknown>) => unknown): unknown {
  try {
    const v = JSON.parse(frame) as unknown;
    return typeof v === 'object' && v !== null ? check(v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export const FUZZ_PROTOCOLS: FuzzProtocol[] = [
  {
    name: 'msg-relay',
    config: { msgRelayPingAfterSeconds: 1, msgRelayCloseAfterSeconds: 2 },
    path: async (_base, room) => `/msg-relay?group=${encodeURIComponent(room)}&meta=fuzz`,
    join: async (c) => {
      await c.next();
    },
    message: (tag) => JSON.stringify({ to: 'group', meta_filter: '*', tag }),
    tagOf: (frame) => jsonField(frame, (m) => (m.message_type === 'peer_communication' && typeof m.tag === 'string' ? m.tag : undefined)) as string | undefined,
  },
];
