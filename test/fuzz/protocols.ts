import { randomUUID } from 'node:crypto';
import type { Config, ProtocolName } from '../../relay/config/schema.js';
import { SCHEMA } from '../../relay/config/schema.js';
import { sign } from '../../relay/dialects/channelstream/signer.js';
import { Client } from '../helpers/client.js';

/**
 * What the fuzz test and the soak need to know of a protocol, as one entry each. A "room" is
 * whatever the protocol isolates: a msg-relay group, a spacewar request target, an intercessor
 * server with its clients, a channelstream channel; compendium has none, so there a room is a
 * set of peers that know each other's addresses. The entry holds the protocol's plumbing; the
 * fuzz engine only opens members, sends tags between them and reads tags back.
 */
export interface FuzzProtocol {
  name: ProtocolName;
  /** Settings that make the protocol notice a silent half-open socket within seconds. */
  config: Partial<Config>;
  /** Frames the protocol's own parser must refuse or ignore (the engine adds generic junk). */
  junk: readonly string[];
  /** A fresh table of rooms for one relay. */
  session(relay: RelayAddress): FuzzSession;
}

export interface RelayAddress {
  /** ws://host:port */
  url: string;
  /** http://host:port */
  base: string;
}

/** A member of a room the test sends to and reads from. */
export interface FuzzPeer {
  c: Client;
  room: string;
  /** What other peers address it by on the wire (an address, an id, a user name). */
  address: string;
  /** intercessor: the room's server, or one of its clients. */
  role: 'member' | 'server' | 'client';
}

export interface FuzzSession {
  /** Opens a member of `room`; resolves once it has read its welcome and may send. */
  open(room: string): Promise<FuzzPeer>;
  /**
   * Path and query of a WebSocket into `room` for a peer the test does not follow (a chaos peer);
   * it may do what the protocol needs first (a REST /connect).
   */
  path(room: string): Promise<string>;
  /** Whether a message from `from` (undefined: a chaos peer from path()) reaches `to`. */
  reaches(from: FuzzPeer | undefined, to: FuzzPeer): boolean;
  /** Socket frames that send `tag` from `from` to each of `to` (all in `room`). */
  frames(room: string, from: FuzzPeer | undefined, to: readonly FuzzPeer[], tag: string): string[];
  /** For a protocol whose clients do not send on their socket: sends `tag` to `to` another way. */
  publish?(room: string, from: FuzzPeer | undefined, to: readonly FuzzPeer[], tag: string): Promise<void>;
  /** The tag a delivered message carries, or undefined for any other frame. */
  tagOf(frame: string): string | undefined;
  /** Malformed requests to the protocol's REST API; each must get a 4xx that says what is wrong. */
  badRequests?: readonly (() => Promise<Response>)[];
}

/** Tags are what the fuzz test and the soak send: anything else a peer receives (joins, ids, heartbeats, junk) is not one. */
const TAG = /^(?:obs|chaos|soak|churn):\S+$/;
const asTag = (v: unknown): string | undefined => (typeof v === 'string' && TAG.test(v) ? v : undefined);

function jsonOf(frame: string): unknown {
  try {
    return JSON.parse(frame) as unknown;
  } catch {
    return undefined;
  }
}

const field = (v: unknown, key: string): unknown => (typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[key] : undefined);

/** Opens a socket and waits for its first frame, which every protocol but channelstream sends. */
async function welcomed(url: string): Promise<{ c: Client; first: string }> {
  const c = await Client.open(url);
  return { c, first: await c.next() };
}

/** Every member reaches every other; a chaos peer reaches every member. */
const everyone = (from: FuzzPeer | undefined, to: FuzzPeer): boolean => from !== to;

const msgRelay: FuzzProtocol = {
  name: 'msg-relay',
  config: { msgRelayPingAfterSeconds: 1, msgRelayCloseAfterSeconds: 2 },
  junk: ['{"to":{"x":1}}', '{"to":null}', '{"to":"host","command":5}', '{"to":"group","meta_filter":"[[[!"}', '{"to":"host","command":"list_peers","meta_filter":"*"}',
    '{"to":"group","meta_filter":"*","__proto__":{"polluted":1}}', '{"to":"\\ud800"}', 'ping'],
  session: ({ url }) => {
    const path = async (room: string): Promise<string> => `/msg-relay?group=${encodeURIComponent(room)}&meta=fuzz`;
    return {
      path,
      open: async (room) => {
        const { c, first } = await welcomed(url + (await path(room)));
        return { c, room, address: String(field(jsonOf(first), 'connection_id')), role: 'member' };
      },
      reaches: everyone,
      frames: (_room, _from, _to, tag) => [JSON.stringify({ to: 'group', meta_filter: '*', tag })],
      tagOf: (frame) => {
        const m = jsonOf(frame);
        return field(m, 'message_type') === 'peer_communication' ? asTag(field(m, 'tag')) : undefined;
      },
    };
  },
};

/** Compendium has no rooms: peers reach exactly the addresses they ROUTE to. */
const compendium: FuzzProtocol = {
  name: 'compendium',
  config: { compendiumPingIntervalSeconds: 1, compendiumPingTimeoutSeconds: 1 },
  junk: ['{"type":"INIT"}', '{"type":"ROUTE"}', '{"type":"ROUTE","EpheWssAddr":["x"],"msg":1}', '{"type":"ROUTE","EpheWssAddr":"nobody","msg":{}}',
    '{"type":"DELIVER","msg":{"tag":"chaos:forged:0"}}', '{"type":"ERR","errCode":1,"errMsg":"x"}', '{"type":5}', '{"EpheWssAddr":"x"}'],
  session: ({ url }) => ({
    path: async () => '/compendium',
    open: async (room) => {
      const c = await Client.open(`${url}/compendium`);
      c.sendJson({ type: 'INIT' });
      const address = field(jsonOf(await c.next()), 'EpheWssAddr');
      if (typeof address !== 'string') throw new Error('compendium: no INITRESP');
      return { c, room, address, role: 'member' };
    },
    reaches: everyone,
    frames: (_room, _from, to, tag) => to.map((p) => JSON.stringify({ type: 'ROUTE', EpheWssAddr: p.address, msg: { tag } })),
    tagOf: (frame) => {
      const m = jsonOf(frame);
      return field(m, 'type') === 'DELIVER' ? asTag(field(field(m, 'msg'), 'tag')) : undefined;
    },
  }),
};

const spacewar: FuzzProtocol = {
  name: 'spacewar',
  config: { spacewarPingIntervalSeconds: 1, spacewarPingTimeoutSeconds: 1 },
  junk: ['nospace', '   ', '* ', '0 to-the-operator', '999999 nobody', '\u0085*\u0085x', '1 self'],
  session: ({ url }) => {
    const path = async (room: string): Promise<string> => `/ws-relay/${encodeURIComponent(room)}`;
    return {
      path,
      open: async (room) => {
        const { c, first } = await welcomed(url + (await path(room)));
        return { c, room, address: first.split(' ', 1)[0]!, role: 'member' };
      },
      reaches: everyone,
      frames: (_room, _from, _to, tag) => [`* ${tag}`],
      tagOf: (frame) => asTag(/^\d+ (.*)$/.exec(frame)?.[1]),
    };
  },
};

/** A room is a server and its clients: the server sends to each client, a client to its server. */
const intercessor: FuzzProtocol = {
  name: 'intercessor',
  config: { intercessorPingIntervalSeconds: 1, intercessorPingTimeoutSeconds: 1 },
  junk: ['[1,2,3]', '["a","b","c","d"]', '{"to":"x","type":"T"}', '{"to":5,"type":"T","message":1}', '{"from":"someone-else","to":"x","type":"T","message":1}', '{"to":"x","type":null,"message":1}'],
  session: ({ url }) => {
    /** The server id of each room that has one. */
    const servers = new Map<string, string>();
    const path = async (room: string): Promise<string> => (servers.has(room) ? `/client/${servers.get(room)!}` : '/server');
    return {
      path,
      open: async (room) => {
        const { c, first } = await welcomed(url + (await path(room)));
        const address = field(field(jsonOf(first), 'message'), 'id');
        if (typeof address !== 'string') throw new Error('intercessor: no HELLO');
        const role = servers.has(room) ? 'client' : 'server';
        if (role === 'server') servers.set(room, address);
        return { c, room, address, role };
      },
      reaches: (from, to) => from !== to && (from?.role ?? 'client') !== to.role,
      frames: (_room, _from, to, tag) => to.map((p) => JSON.stringify({ to: p.address, type: 'FUZZ', message: tag })),
      tagOf: (frame) => {
        const m = jsonOf(frame);
        return field(m, 'type') === 'FUZZ' ? asTag(field(m, 'message')) : undefined;
      },
    };
  },
};

/**
 * A room is a channel. A backend connects each user over the signed REST API, the user's socket
 * attaches to that connection, and messages are published over REST; what a client sends on its
 * socket only says it is alive.
 */
const channelstream: FuzzProtocol = {
  name: 'channelstream',
  config: { channelstreamHeartbeatMs: 500, channelstreamPongTimeoutMs: 1000, channelstreamGcIdleMs: 6000, channelstreamGcTickMs: 250 },
  junk: ['{"type":"heartbeat"}', '[]'],
  session: ({ url, base }) => {
    const request = (path: string, body: string, opts: { method?: string; secret?: string | false } = {}): Promise<Response> => {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (opts.secret !== false) headers['x-channelstream-secret'] = opts.secret ?? sign(SCHEMA.channelstreamSecret.default, 'fuzz');
      return fetch(base + path, { method: opts.method ?? 'POST', headers, body });
    };
    const call = async (path: string, body: unknown): Promise<unknown> => {
      const res = await request(path, JSON.stringify(body));
      const text = await res.text();
      if (res.status !== 200) throw new Error(`channelstream ${path} answered ${res.status}: ${text}`);
      return jsonOf(text);
    };
    let users = 0;
    const connect = async (room: string, username: string): Promise<string> =>
      `/ws?conn_id=${String(field(await call('/connect', { username, conn_id: randomUUID(), channels: [room] }), 'conn_id'))}`;
    return {
      path: (room) => connect(room, `chaos-${users++}`),
      open: async (room) => {
        const address = `user-${users++}`;
        return { c: await Client.open(url + (await connect(room, address))), room, address, role: 'member' };
      },
      reaches: everyone,
      frames: () => ['{"type":"heartbeat"}'],
      publish: async (room, from, _to, tag) => {
        await call('/message', [{ channel: room, user: from?.address ?? 'chaos', message: { tag }, exclude_users: from ? [from.address] : [] }]);
      },
      badRequests: [
        () => request('/message', '[{"channel":'),
        () => request('/message', '[{"channel":5,"user":null,"message":"x"}]'),
        () => request('/message', '{"x":1}', { method: 'PATCH' }),
        () => request('/message', '[' + '['.repeat(3000) + ']'.repeat(3000) + ']'),
        () => request('/connect', '{"username":null,"channels":"alpha"}'),
        () => request('/subscribe', '{"conn_id":"00000000-0000-0000-0000-000000000000","channels":["alpha"]}'),
        () => request('/message', '[{"channel":"alpha","user":"x","message":{"tag":"chaos:unsigned:0"}}]', { secret: false }),
        () => request('/message', '[{"channel":"alpha","user":"x","message":{"tag":"chaos:forged:0"}}]', { secret: sign('not-the-secret', 'fuzz') }),
        () => request('/message', 'x'.repeat(SCHEMA.channelstreamMaxBodyBytes.default + 1)),
        () => fetch(`${base}/listen?conn_id=not-a-uuid`),
      ],
      tagOf: (frame) => {
        const events = jsonOf(frame);
        if (!Array.isArray(events)) return undefined;
        const m = events.find((e) => field(e, 'type') === 'message') as unknown;
        // Catchup repeats a message a socket may have had already; the checks count tags, not copies.
        return asTag(field(field(m, 'message'), 'tag'));
      },
    };
  },
};

export const FUZZ_PROTOCOLS: FuzzProtocol[] = [msgRelay, compendium, spacewar, intercessor, channelstream];

/** Sends `tag` from `from` (undefined: a chaos peer) to every member of `room` it reaches, the protocol's way; `send` writes one socket frame. */
export async function sendTag(s: FuzzSession, room: string, from: FuzzPeer | undefined, members: readonly FuzzPeer[], tag: string, send: (frame: string) => void): Promise<void> {
  const to = members.filter((p) => p.room === room && s.reaches(from, p));
  for (const f of s.frames(room, from, to, tag)) send(f);
  await s.publish?.(room, from, to, tag);
}
