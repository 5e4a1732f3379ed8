/**
 * How the bench speaks each protocol: how to connect and join a room, address a peer or the
 * whole room, and find the bench's payload in a delivery. Parsing is only as deep as the
 * bench's own frames need, so the load generator spends its time on sockets, not on parsing.
 * Payloads start with "b" and hold no quotes, spaces or escapes, and ids are base64url or
 * digits, so frames are built by plain concatenation.
 */
export interface ProtocolAdapter {
  /** The protocol, as the relay process reports the ones it speaks. */
  readonly protocol: string;
  /** The request path that joins `room`. */
  path(room: string): string;
  /** The client's own id when `frame` is the relay's greeting, else undefined. */
  hello(frame: string): string | undefined;
  /** A frame carrying `payload` to the peer with id `to`. */
  unicast(to: string, payload: string): string;
  /** A frame carrying `payload` to every other member of the room. */
  broadcast(payload: string): string;
  /** The payload of a delivery, or undefined for any other frame (presence, replies). */
  payload(frame: string): string | undefined;
}

/** Spacewar ws-relay: "<target> <rest>" in, "<source> <rest>" out, "<id> self" on joining. */
export const spacewar: ProtocolAdapter = {
  protocol: 'spacewar',
  path: (room) => `/ws-relay/${room}`,
  hello: (frame) => (frame.endsWith(' self') ? frame.slice(0, -' self'.length) : undefined),
  unicast: (to, payload) => `${to} ${payload}`,
  broadcast: (payload) => `* ${payload}`,
  payload(frame) {
    const cut = frame.indexOf(' ');
    return frame.charCodeAt(cut + 1) === 0x62 ? frame.slice(cut + 1) : undefined;
  },
};

/** The bench's own floor relay speaks spacewar's frames. */
export const bare: ProtocolAdapter = { ...spacewar, protocol: 'bare' };

const PAYLOAD_KEY = '"d":"';

/** tier2 ws_msg_relay: JSON addressed by connection id within a group (the group is the room). */
export const msgRelay: ProtocolAdapter = {
  protocol: 'msg-relay',
  path: (room) => `/msg-relay?group=${encodeURIComponent(room)}`,
  hello(frame) {
    if (!frame.includes('"message_type":"connection_id"')) return undefined;
    return (JSON.parse(frame) as { connection_id: string }).connection_id;
  },
  unicast: (to, payload) => `{"to":"${to}","d":"${payload}"}`,
  broadcast: (payload) => `{"to":"group","meta_filter":"*","d":"${payload}"}`,
  payload(frame) {
    const at = frame.indexOf(PAYLOAD_KEY);
    if (at < 0) return undefined;
    const start = at + PAYLOAD_KEY.length;
    return frame.slice(start, frame.indexOf('"', start));
  },
};
