import { ConfigError, loadConfig } from '../config/load.js';
import type { Config, ProtocolName } from '../config/schema.js';
import type { Peer } from '../core/peer.js';
import { InjectError, type InjectTarget } from '../dialects/types.js';
import type { Relay } from '../relay.js';
import { ConsoleError } from './errors.js';
import { MAX_PAGE } from './params.js';
import type { PeerFilter, PeerInfo, Result, RoomInfo } from './types.js';

/** Keys whose change moves the listeners at once; every other key waits for the next start. */
const LIVE_KEYS: readonly string[] = ['host', 'port', 'listeners'];
/** Close codes an operator may kick with: those ws lets an endpoint send. */
const KICK_CODES = new Set([1000, 1001, 1008, 1011, 1013]);
const DEFAULT_KICK = { code: 4000, reason: 'kicked by the operator' };

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
  ) {}

  peers(filter: PeerFilter, offset: number, limit: number): Result<'peers'> {
    const text = (filter.text ?? '').toLowerCase();
    const page: PeerInfo[] = [];
    let total = 0;
    for (const p of this.relay.hub.peers(filter.protocol)) {
      if (filter.room && !p.rooms.has(filter.room)) continue;
      if (text && !peerText(p).includes(text)) continue;
      if (total >= offset && page.length < limit) page.push(peerInfo(p));
      total++;
    }
    return { total, peers: page };
  }

  peer(key: string): PeerInfo | null {
    const p = this.relay.hub.peer(key);
    return p ? peerInfo(p) : null;
  }

  rooms(protocol: ProtocolName | undefined): RoomInfo[] {
    const out: RoomInfo[] = [];
    for (const [p, room, members] of this.relay.hub.allRooms()) if (!protocol || p === protocol) out.push({ protocol: p, room, members });
    return out.sort((a, b) => a.protocol.localeCompare(b.protocol) || b.members - a.members || a.room.localeCompare(b.room));
  }

  roomMembers(protocol: ProtocolName, room: string): PeerInfo[] {
    return [...this.relay.hub.members(protocol, room)].slice(0, MAX_PAGE).map(peerInfo);
  }

  kick(key: string, code: number | undefined, reason: string | undefined): Result<'kick'> {
    const peer = this.relay.hub.peer(key);
    if (!peer) return { kicked: false };
    const c = code ?? DEFAULT_KICK.code;
    if (!Number.isInteger(c) || !(KICK_CODES.has(c) || (c >= 3000 && c <= 4999)))
      throw new ConsoleError(`close code ${c} cannot be sent: use 1000, 1001, 1008, 1011, 1013 or 3000-4999`);
    const why = reason?.trim() || DEFAULT_KICK.reason;
    this.relay.log.add('info', 'kick', `operator kicked ${peer.protocol} ${peer.id}: ${c} ${why}`, { protocol: peer.protocol, peer: peer.id, code: c, reason: why });
    this.relay.hub.close(peer, c, why);
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

export function peerInfo(p: Peer): PeerInfo {
  return {
    key: p.key,
    id: p.id,
    protocol: p.protocol,
    rooms: [...p.rooms],
    meta: p.meta as PeerInfo['meta'],
    remote: p.remote,
    connectedAt: p.connectedAt,
    msgsIn: p.msgsIn,
    msgsOut: p.msgsOut,
    bytesIn: p.bytesIn,
    bytesOut: p.bytesOut,
    drops: p.drops,
  };
}

function peerText(p: Peer): string {
  return `${p.id} ${p.remote} ${typeof p.meta === 'string' ? p.meta : JSON.stringify(p.meta)}`.toLowerCase();
}
