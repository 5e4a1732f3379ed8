import { randomBytes } from 'node:crypto';
import { whenReady } from '../../core/bus.js';
import type { Peer, PeerView } from '../../core/peer.js';
import type { FrameHandler } from '../../core/socket.js';
import { injectObject, injectPeer } from '../inject.js';
import { localWitnesses } from '../presence.js';
import type { Arrival, Dialect, DialectContext, InjectTarget, Welcome } from '../types.js';
import { fnmatch, matchSteps } from './fnmatch.js';
import { nestsDeeper, PYTHON_JSON_DEPTH, tooDeep } from '../json-depth.js';

/** tier2 ws_msg_relay: JSON messages addressed by connection id, within a group. */

const PROTOCOL = 'msg-relay';
const HOST = 'host';

type Message = Record<string, unknown>;

interface Summary {
  connection_id: string;
  peer_meta: string;
}

/** What `"truncated":true` adds to a reply. */
const TRUNCATED_BYTES = Buffer.byteLength(',"truncated":true');
/**
 * Steps (fnmatch.ts matchSteps) one frame's meta_filter may take over its group, some tens of
 * milliseconds: a filter of long runs of classes over large metadata would take seconds for
 * every member, and the original had no such bound only because Python's re was slower still.
 */
export const MAX_FILTER_STEPS = 32_000_000;

/** The steps a filter takes over these members, other than the sender; it stops counting past the bound. */
function filterSteps(filter: string, members: readonly PeerView[], sender: Peer): number {
  let steps = 0;
  for (const p of members) if (p.key !== sender.key && (steps += matchSteps(filter, (p.meta as string).length)) > MAX_FILTER_STEPS) break;
  return steps;
}

const summary = (p: PeerView): Summary => ({ connection_id: p.id, peer_meta: p.meta as string });
const groupOf = (p: Peer): string => p.rooms.values().next().value as string;

const isJsonSpace = (byte: number | undefined): boolean => byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;

/**
 * What peers receive: the sender's message with `from` and `message_type` set, as the original
 * updates its dict. When the client sent neither key, its own bytes are kept and the two keys
 * appended before the closing brace (the same JSON value), which spares re-serializing every
 * message; otherwise the parsed message is serialized again.
 */
function forwarded(data: Buffer, m: Message, from: Peer): Buffer {
  if ('from' in m || 'message_type' in m) {
    m.from = from.id;
    m.message_type = 'peer_communication';
    return Buffer.from(JSON.stringify(m));
  }
  let end = data.length - 1;
  while (isJsonSpace(data[end])) end--;
  return Buffer.concat([data.subarray(0, end), signature(from)]);
}

/** The keys appended to a peer's messages, made when it first sends one. */
const signatures = new WeakMap<Peer, Buffer>();
function signature(peer: Peer): Buffer {
  let bytes = signatures.get(peer);
  if (!bytes) signatures.set(peer, (bytes = Buffer.from(`,"from":${JSON.stringify(peer.id)},"message_type":"peer_communication"}`)));
  return bytes;
}

/** The first value of a header, as the original's HTTPMessage[...] returns it. */
function header(a: Arrival, name: string): string | undefined {
  return a.headers[name]?.[0];
}

/** The group and metadata a client asks for: headers as the original reads them; the query is the browser's way (E1). */
function requested(a: Arrival, defaultGroup: string): { group: string; meta: string | undefined } {
  const group = (header(a, 'x-peer-group') ?? a.url.searchParams.get('group') ?? defaultGroup).toLowerCase();
  return { group, meta: (header(a, 'x-peer-meta') ?? a.url.searchParams.get('meta'))?.toLowerCase() };
}

export function createMsgRelay(core: DialectContext): Dialect {
  const { hub, routing, bus, config } = core;
  const keepalive = {
    pingAfterMs: config.msgRelayPingAfterSeconds * 1000,
    closeAfterMs: config.msgRelayCloseAfterSeconds * 1000,
    pingPayload: 'hey',
    closeCode: 1002,
    closeReason: 'No pong received after 2 pings',
  };
  const maxPayload = config.msgRelayMaxFrameBytes;

  const reply = (peer: Peer, msg: Message): void => {
    routing.reply(peer, JSON.stringify(msg));
  };
  const connectionId = (peer: Peer): Message => ({ from: HOST, to: peer.id, connection_id: peer.id, message_type: 'connection_id' });

  /**
   * peer_connect / peer_disconnect go to the peer's own group only (D1). Presence comes from the
   * bus, in the order every node agrees on; each node tells its own members.
   */
  const announce = (about: PeerView, group: string, messageType: 'peer_connect' | 'peer_disconnect', late = false): void => {
    const summarized = summary(about);
    void whenReady(localWitnesses(core, group, about, messageType === 'peer_connect' && !late), (peers) =>
      routing.route({
        from: 'relay',
        to: { protocol: PROTOCOL, room: group, peers },
        frame: (r) => JSON.stringify({ from: HOST, to: r.id, peer: summarized, message_type: messageType }),
      }),
    );
  };
  bus.watch(PROTOCOL, {
    entered: (view, group, late) => announce(view, group, 'peer_connect', late),
    exited: (view, group) => announce(view, group, 'peer_disconnect'),
  });

  const matcher = (filter: unknown): ((p: PeerView) => boolean) => {
    if (typeof filter !== 'string') throw new TypeError('meta_filter');
    return (p) => fnmatch(p.meta as string, filter);
  };

  /** A peer joins its group, which is told, then gets its id. */
  function opened(peer: Peer, group: string): FrameHandler {
    if (hub.join(peer, group)) reply(peer, connectionId(peer));
    return (data, isBinary) => onFrame(peer, data, isBinary);
  }

  function onFrame(peer: Peer, data: Buffer, isBinary: boolean): void | Promise<void> {
    if (isBinary) routing.refuse(peer, data, 1003, 'Server Unsupported Data: Text Only', true);
    else return onText(peer, data);
  }

  /**
   * list_peers: the group's other members on every node, those the filter matches. A reply is
   * kept within the protocol's frame limit (D-mr7): a 60-byte request must not make megabytes
   * out of a large group's metadata, so the list stops at the first match that does not fit and
   * says "truncated": true.
   */
  function listPeers(peer: Peer, group: string, filter: unknown): void | Promise<void> {
    const match = matcher(filter);
    return whenReady(bus.members(PROTOCOL, group), (members) => {
      const list: Summary[] = [];
      const answer: Message = { from: HOST, to: peer.id, peer_list: list, message_type: 'peer_list', meta_filter: filter };
      let room = maxPayload - Buffer.byteLength(JSON.stringify(answer)) - TRUNCATED_BYTES;
      for (const p of members) {
        if (p.key === peer.key || !match(p)) continue;
        const entry = summary(p);
        room -= Buffer.byteLength(JSON.stringify(entry)) + 1;
        if (room < 0) {
          answer.truncated = true;
          break;
        }
        list.push(entry);
      }
      reply(peer, answer);
    });
  }

  function onText(peer: Peer, data: Buffer): void | Promise<void> {
    const text = data.toString();
    if (text === 'ping') {
      routing.note(peer, text);
      routing.reply(peer, 'pong');
      return;
    }
    if (nestsDeeper(data, PYTHON_JSON_DEPTH)) {
      routing.refuse(peer, text, 1008, `messages must be in JSON format: ${tooDeep(PYTHON_JSON_DEPTH)}`);
      return;
    }
    let msg: unknown;
    try {
      msg = JSON.parse(text);
    } catch {
      routing.refuse(peer, text, 1008, 'messages must be in JSON format');
      return;
    }
    if (typeof msg !== 'object' || msg === null || Array.isArray(msg) || !('to' in msg)) {
      routing.refuse(peer, text, 1008, 'the message must be addressed to somewhere');
      return;
    }
    const m = msg as Message;
    const group = groupOf(peer);
    if (!('meta_filter' in m && (m.to === 'group' || (m.to === HOST && m.command === 'list_peers')))) return dispatch(peer, m, data, text, group);
    const filter = m.meta_filter;
    if (typeof filter !== 'string') {
      routing.refuse(peer, text, 1008, 'meta_filter must be a string');
      return;
    }
    // `*` (the usual group send) costs nothing whatever the metadata: no need to look at the group.
    if (matchSteps(filter, config.maxMetaBytes) === 0) return dispatch(peer, m, data, text, group);
    const steps = whenReady(bus.members(PROTOCOL, group), (members) => filterSteps(filter, members, peer));
    const go = (n: number): void | Promise<void> => {
      if (n <= MAX_FILTER_STEPS) return dispatch(peer, m, data, text, group);
      routing.refuse(peer, text, 1008, `meta_filter would take too long to match against this group: over ${MAX_FILTER_STEPS} steps`);
    };
    return steps instanceof Promise ? steps.then(go) : go(steps);
  }

  /** A well-formed message, to the relay or to peers. */
  function dispatch(peer: Peer, m: Message, data: Buffer, text: string, group: string): void | Promise<void> {
    if (m.to === HOST && m.command === 'connection_id') {
      routing.note(peer, text);
      reply(peer, connectionId(peer));
    } else if (m.to === HOST && m.command === 'list_peers') {
      routing.note(peer, text);
      if ('meta_filter' in m) return listPeers(peer, group, m.meta_filter);
    } else if (m.to === 'group') {
      const filter = 'meta_filter' in m ? matcher(m.meta_filter) : () => false;
      routing.route({ from: peer, to: { protocol: PROTOCOL, room: group, except: peer, filter }, frame: forwarded(data, m, peer), inbound: text });
    } else {
      const id = typeof m.to === 'string' ? m.to : '';
      routing.route({ from: peer, to: { protocol: PROTOCOL, room: group, id }, frame: forwarded(data, m, peer), inbound: text });
    }
  }

  return {
    protocol: PROTOCOL,
    maxPayload,
    injectTemplate: '{\n  "msg": "hello from the operator"\n}',
    injectFormat: 'json',

    claims: (url) => url.pathname === '/msg-relay' || url.pathname === '/ws_msg_relay',

    inspectUpgrade(a: Arrival) {
      const { group, meta } = requested(a, config.msgRelayDefaultGroup);
      return { rooms: [group], metaBytes: meta === undefined ? 0 : Buffer.byteLength(meta) };
    },

    receive(a: Arrival): Welcome {
      const { group, meta = randomBytes(2).toString('hex') } = requested(a, config.msgRelayDefaultGroup);
      return { id: randomBytes(16).toString('base64url'), meta, keepalive, open: (peer) => opened(peer, group) };
    },

    inject(target: InjectTarget, payload: string): number {
      const base = injectObject(payload, 'a msg-relay message is a JSON object');
      const stamp = (to: string): string => JSON.stringify({ ...base, to, from: HOST, message_type: 'peer_communication' });
      if (target.kind === 'peer') {
        const peer = injectPeer(bus, PROTOCOL, target.peer);
        return routing.route({ from: 'operator', to: { protocol: PROTOCOL, key: peer.key }, frame: stamp(peer.id) });
      }
      if (target.kind === 'room') {
        const filter = target.filter ? matcher(target.filter) : undefined;
        const frame = JSON.stringify({ ...base, to: 'group', from: HOST, message_type: 'peer_communication', meta_filter: target.filter ?? '*' });
        return routing.route({ from: 'operator', to: { protocol: PROTOCOL, room: target.room, filter }, frame });
      }
      return routing.route({ from: 'operator', to: { protocol: PROTOCOL, everyone: true }, frame: stamp('group') });
    },
  };
}
