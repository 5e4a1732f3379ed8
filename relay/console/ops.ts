import { ConfigError, loadConfig } from '../config/load.js';
import type { ClusterPeer } from '../cluster/mirror.js';
import type { Config, ProtocolName } from '../config/schema.js';
import { Peer, type Handshake, type PeerStats } from '../core/peer.js';
import { InjectError, type InjectTarget } from '../dialects/types.js';
import type { Relay } from '../relay.js';
import { ConsoleError } from './errors.js';
import { MAX_PAGE } from './params.js';
import type { PeerFilter, PeerInfo, PeerSort, Result, RoomInfo } from './types.js';

/** Keys whose change moves the listeners at once; every other key waits for the next start. */
const LIVE_KEYS: readonly string[] = ['host', 'port', 'listeners'];
/** Close codes an operator may kick with: those ws lets an endpoint send. */
const KICK_CODES = new Set([1000, 1001, 1008, 1011, 1013]);
const DEFAULT_KICK = { code: 4000, reason: 'kicked by the operator' };

/** A peer the console lists: this node's own, or (on a cluster's node) one another node holds, from the cluster's registry. */
type Listed = Peer | ClusterPeer;

/**
 * What an operator asks of the relay: peers and rooms read in the relay and paged, a kick, a
 * message injected in a protocol's own shape, a change of settings. Parameters arrive checked
 * (params.ts); what only the relay can judge is refused here with a ConsoleError.
 */
export class Operations {
  constructor(
    private readonly relay: Relay,
    /** Told of every settings change, to tell every session. */
    private readonly settingsChanged: () => void,
    /** What a peer asked for at its opening, which the peer itself does not keep. */
    private readonly handshake: (peer: Peer) => Handshake | undefined,
    /** A room's messages and bytes a second at the last stats tick. */
    private readonly roomRate: (protocol: ProtocolName, room: string) => RoomRate | undefined,
  ) {}

  peers(filter: PeerFilter, sort: PeerSort | undefined, offset: number, limit: number): Result<'peers'> {
    const text = (filter.text ?? '').toLowerCase();
    const page: PeerInfo[] = [];
    const matching: Listed[] = [];
    let total = 0;
    for (const p of this.listed(filter.protocol)) {
      if (filter.room && !p.rooms.has(filter.room)) continue;
      if (text && !peerText(p).includes(text)) continue;
      // Unsorted, a page is read in the registry's order without holding every peer.
      if (sort) matching.push(p);
      else if (total >= offset && page.length < limit) page.push(this.info(p));
      total++;
    }
    if (!sort) return { total, peers: page };
    const value = PEER_SORT[sort.key];
    const dir = sort.desc ? -1 : 1;
    const node = this.relay.cluster?.name ?? '';
    matching.sort((a, b) => {
      const x = value(a, node);
      const y = value(b, node);
      return dir * (typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y)));
    });
    return { total, peers: matching.slice(offset, offset + limit).map((p) => this.info(p)) };
  }

  /** This node's peers, then (on a cluster's node) every other node's, as the registry has them. */
  private *listed(protocol: ProtocolName | undefined): Iterable<Listed> {
    yield* this.relay.hub.peers(protocol);
    for (const p of this.relay.cluster?.remotePeers() ?? []) if (!protocol || p.protocol === protocol) yield p;
  }

  private info(p: Listed): PeerInfo {
    return peerInfo(p, this.relay.cluster?.name);
  }

  peer(key: string): PeerInfo | null {
    const p = this.relay.hub.peer(key);
    if (!p) {
      const remote = this.relay.cluster?.remotePeer(key);
      return remote ? this.info(remote) : null;
    }
    const handshake = this.handshake(p);
    return { ...this.info(p), ...(handshake ? { handshake } : {}) };
  }

  rooms(protocol: ProtocolName | undefined): RoomInfo[] {
    const out: RoomInfo[] = [];
    for (const [p, room, members] of this.relay.hub.allRooms()) {
      if (protocol && p !== protocol) continue;
      const rate = this.roomRate(p, room);
      out.push({ protocol: p, room, members, msgsPerSec: rate?.msgs ?? 0, bytesPerSec: rate?.bytes ?? 0 });
    }
    return out.sort((a, b) => a.protocol.localeCompare(b.protocol) || b.members - a.members || a.room.localeCompare(b.room));
  }

  roomMembers(protocol: ProtocolName, room: string): PeerInfo[] {
    return [...this.relay.hub.members(protocol, room)].slice(0, MAX_PAGE).map((p) => this.info(p));
  }

  kick(key: string, code: number | undefined, reason: string | undefined): Result<'kick'> {
    const peer = this.relay.hub.peer(key) ?? this.relay.cluster?.remotePeer(key);
    if (!peer) return { kicked: false };
    const c = code ?? DEFAULT_KICK.code;
    if (!Number.isInteger(c) || !(KICK_CODES.has(c) || (c >= 3000 && c <= 4999)))
      throw new ConsoleError(`close code ${c} cannot be sent: use 1000, 1001, 1008, 1011, 1013 or 3000-4999`);
    const why = reason?.trim() || DEFAULT_KICK.reason;
    const local = peer instanceof Peer;
    // Another node's peer is closed by that node, which hears the request over Redis.
    if (!local && !this.relay.cluster?.closeRemote(key, c, why)) throw new ConsoleError(`${peer.protocol} ${peer.id} is on node ${peer.node}, which this node cannot reach while Redis is away`);
    const where = local ? '' : ` on node ${peer.node}`;
    this.relay.log.add('info', 'kick', `operator kicked ${peer.protocol} ${peer.id}${where}: ${c} ${why}`, { protocol: peer.protocol, peer: peer.id, code: c, reason: why });
    if (local) this.relay.hub.close(peer, c, why);
    return { kicked: true };
  }

  inject(protocol: ProtocolName, target: InjectTarget, payload: string): Result<'inject'> {
    const dialect = this.relay.dialects.get(protocol);
    if (!dialect) throw new ConsoleError(`protocol "${String(protocol)}" is not spoken by this relay`);
    try {
      return { recipients: dialect.inject(target, payload) };
    } catch (err) {
      if (err instanceof InjectError) throw new ConsoleError(err.message);
      throw err;
    }
  }

  async updateSettings(patch: Partial<Config>): Promise<Result<'updateSettings'>> {
    const prev = this.relay.config;
    let next: Config;
    try {
      next = loadConfig({ overrides: { ...prev, ...patch } });
    } catch (err) {
      if (err instanceof ConfigError) throw new ConsoleError(err.message);
      throw err;
    }
    const changed = (Object.keys(patch) as (keyof Config)[]).filter((k) => JSON.stringify(next[k]) !== JSON.stringify(prev[k]));
    let restarted: boolean;
    try {
      restarted = await this.relay.reconfigure(next);
    } catch (err) {
      throw new ConsoleError(`the listeners could not move, so they stayed where they were: ${(err as Error).message}`);
    }
    if (changed.length > 0) this.relay.log.add('info', 'settings', `settings changed: ${changed.join(', ')}`);
    this.settingsChanged();
    return { settings: this.relay.config, restarted, pending: changed.filter((k) => !LIVE_KEYS.includes(k)) };
  }
}

/** `node`: this node's name in a cluster, which its own peers are listed with. */
export function peerInfo(p: Listed, node: string | undefined): PeerInfo {
  const c = counters(p);
  const held = p instanceof Peer ? node : p.node;
  return {
    key: p.key,
    ...(held === undefined ? {} : { node: held }),
    id: p.id,
    protocol: p.protocol,
    rooms: [...p.rooms.keys()],
    meta: p.meta as PeerInfo['meta'],
    remote: p.remote,
    connectedAt: p.connectedAt,
    msgsIn: c.msgsIn,
    msgsOut: c.msgsOut,
    bytesIn: c.bytesIn,
    bytesOut: c.bytesOut,
    drops: c.drops,
  };
}

/** Another node's peers are counted on their node only: the console shows zeros for them. */
const NOT_COUNTED: PeerStats = { msgsIn: 0, msgsOut: 0, bytesIn: 0, bytesOut: 0, drops: 0 };
const counters = (p: Listed): PeerStats => (p instanceof Peer ? p : NOT_COUNTED);

export interface RoomRate {
  msgs: number;
  bytes: number;
}

/** Sort values of a peer; `node` is this node's name, which its own peers are listed with. */
const PEER_SORT: Record<PeerSort['key'], (p: Listed, node: string) => string | number> = {
  id: (p) => p.id,
  node: (p, node) => (p instanceof Peer ? node : p.node),
  protocol: (p) => p.protocol,
  room: (p) => [...p.rooms.keys()].join(','),
  meta: (p) => (typeof p.meta === 'string' ? p.meta : JSON.stringify(p.meta)),
  remote: (p) => p.remote,
  connectedAt: (p) => p.connectedAt,
  msgsIn: (p) => counters(p).msgsIn,
  msgsOut: (p) => counters(p).msgsOut,
  drops: (p) => counters(p).drops,
};

function peerText(p: Listed): string {
  return `${p.id} ${p.remote} ${typeof p.meta === 'string' ? p.meta : JSON.stringify(p.meta)}`.toLowerCase();
}
