import { ConfigError, loadConfig } from '../config/load.js';
import { PROTOCOLS, type Config, type ProtocolName, type SettingSources } from '../config/schema.js';
import type { ProtocolCounters } from '../core/delivery.js';
import type { Peer } from '../core/peer.js';
import type { TrafficRecord } from '../core/tap.js';
import { InjectError, type InjectTarget } from '../dialects/types.js';
import type { Relay } from '../relay.js';
import { captureOps } from './capture-ops.js';
import { ConsoleError } from './errors.js';
import { checkParams, MAX_PAGE } from './params.js';
import type { ConsoleClient, ConsoleEvent, ConsoleOp, Params, PeerFilter, PeerInfo, Rates, Result, RoomInfo, Snapshot, Stats, TrafficFilter } from './types.js';

export { ConsoleError };

export interface ConsoleServiceOptions {
  /** How often subscribers get traffic and presence batches (50 ms = at most 20 a second). */
  batchMs?: number;
  statsMs?: number;
  /** Records in one traffic batch; a subscriber further behind skips the oldest. */
  maxBatch?: number;
  /** Stats ticks kept for the charts. */
  historyLength?: number;
  version?: string;
  /** Keys the relay's environment or flags set, which the Settings view points out. */
  settingSources?: SettingSources;
}

/** Keys whose change moves the listeners at once; every other key waits for the next start. */
const LIVE_KEYS: readonly string[] = ['host', 'port', 'listeners'];
/** Close codes an operator may kick with: those ws lets an endpoint send. */
const KICK_CODES = new Set([1000, 1001, 1008, 1011, 1013]);
const DEFAULT_KICK = { code: 4000, reason: 'kicked by the operator' };
const DEFAULT_PAGE = 100;

interface Subscription {
  cursor: number;
  filter: TrafficFilter;
  text: string;
  /** The filter lets every record through. */
  all: boolean;
}

type Presence = { joined: Peer } | { left: Extract<ConsoleEvent, { type: 'peerLeft' }> };

/**
 * One UI's view of the relay: its own traffic subscription and its own events. It is a
 * ConsoleClient, so an in-process shell (Electron's main process) can use it as it is.
 */
export class ConsoleSession implements ConsoleClient {
  private readonly listeners = new Set<(event: ConsoleEvent) => void>();
  sub: Subscription | undefined;
  /** The carrier says it is backed up: traffic waits (and is counted as skipped when it is overwritten). */
  congested: () => boolean = () => false;

  constructor(private readonly service: ConsoleService) {}

  request<K extends ConsoleOp>(op: K, params: Params<K>): Promise<Result<K>> {
    return this.service.handle(this, op, params);
  }

  onEvent(listener: (event: ConsoleEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * A listener that throws (a UI shell's own bug) is dropped from its session and logged with its
   * stack, after the event has gone to every other listener: it must not stop the pump, the log
   * or the stats tick that called it, nor reach it again through the log entry it causes.
   */
  emit(event: ConsoleEvent): void {
    for (const l of this.listeners) {
      try {
        l(event);
      } catch (err) {
        this.listeners.delete(l);
        queueMicrotask(() => this.service.relay.log.add('error', 'error', `console listener: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`));
      }
    }
  }

  close(): void {
    this.listeners.clear();
    this.sub = undefined;
    this.service.drop(this);
  }
}

type Handlers = { [K in ConsoleOp]: (session: ConsoleSession, params: Params<K>) => Result<K> | Promise<Result<K>> };

/**
 * The operator API over a relay, shared by every UI shell. The relay never waits for a UI:
 * traffic is read from the tap's ring buffer at each session's own pace, in batches.
 */
export class ConsoleService {
  private readonly sessions = new Set<ConsoleSession>();
  private readonly history: Stats[] = [];
  private readonly presence: Presence[] = [];
  private readonly timers: NodeJS.Timeout[];
  private readonly unsubscribe: (() => void)[];
  private readonly opts: Required<ConsoleServiceOptions>;
  private readonly captureOps: ReturnType<typeof captureOps>;
  private lastTotals: ProtocolCounters;
  private lastTick = Date.now();
  private connects = 0;
  private disconnects = 0;

  constructor(
    readonly relay: Relay,
    options: ConsoleServiceOptions = {},
  ) {
    this.opts = { batchMs: 50, statsMs: 1000, maxBatch: 1000, historyLength: 300, version: '', settingSources: {}, ...options };
    this.lastTotals = totals(relay.core.delivery.counters);
    this.unsubscribe = [
      relay.hub.onPresence({
        joined: (peer) => {
          this.connects++;
          this.queuePresence({ joined: peer });
        },
        left: (peer, code, reason) => {
          this.disconnects++;
          this.queuePresence({ left: { type: 'peerLeft', key: peer.key, protocol: peer.protocol, id: peer.id, code, reason } });
        },
      }),
      relay.log.subscribe((entry) => this.broadcast({ type: 'log', entry })),
      relay.captures.onChange((capture) => this.broadcast({ type: 'capture', capture })),
    ];
    this.captureOps = captureOps(relay, (e) => this.broadcast(e), (message) => new ConsoleError(message));
    this.timers = [setInterval(() => this.pump(), this.opts.batchMs), setInterval(() => this.tick(), this.opts.statsMs)];
    for (const t of this.timers) t.unref();
  }

  /** Open sessions: browser consoles, app windows and the app's own. */
  get sessionCount(): number {
    return this.sessions.size;
  }

  /** A new UI session; close it when the UI goes away. */
  session(): ConsoleSession {
    const s = new ConsoleSession(this);
    this.sessions.add(s);
    return s;
  }

  drop(session: ConsoleSession): void {
    this.sessions.delete(session);
  }

  stop(): void {
    for (const t of this.timers) clearInterval(t);
    for (const u of this.unsubscribe) u();
    for (const s of [...this.sessions]) s.close();
  }

  /** Carries out one request; its parameters come from a UI and are checked before use. */
  async handle<K extends ConsoleOp>(session: ConsoleSession, op: K, params: unknown): Promise<Result<K>> {
    const checked = checkParams(op, params);
    const handler = this.handlers[op] as (s: ConsoleSession, p: Params<K>) => Result<K> | Promise<Result<K>>;
    return handler(session, checked);
  }

  private readonly handlers: Handlers = {
    snapshot: () => this.snapshot(),
    peers: (_s, { filter, offset, limit }) => this.peers(filter ?? {}, offset ?? 0, limit ?? DEFAULT_PAGE),
    peer: (_s, { key }) => {
      const p = this.relay.hub.peer(key);
      return p ? peerInfo(p) : null;
    },
    rooms: (_s, { protocol }) => this.rooms(protocol),
    roomMembers: (_s, { protocol, room }) => [...this.relay.hub.members(protocol, room)].slice(0, MAX_PAGE).map(peerInfo),
    kick: (_s, { key, code, reason }) => this.kick(key, code, reason),
    inject: (_s, { protocol, target, payload }) => this.inject(protocol, target, payload),
    subscribeTraffic: (s, { filter, backlog }) => {
      const tap = this.relay.tap;
      const cursor = Math.max(1, tap.head - Math.min(backlog ?? 0, tap.capacity));
      const f = filter ?? {};
      const text = (f.text ?? '').toLowerCase();
      s.sub = { cursor, filter: f, text, all: !f.protocol && !f.room && !f.peer && !f.kinds?.length && !text };
      return { from: cursor };
    },
    unsubscribeTraffic: (s) => {
      s.sub = undefined;
      return {};
    },
    exportTraffic: (_s, { filter, limit }) => {
      const tap = this.relay.tap;
      const f = filter ?? {};
      const text = (f.text ?? '').toLowerCase();
      const records = tap.read(0).records.filter((r) => matchesTraffic(f, text, r));
      return { records: records.slice(-Math.min(limit ?? tap.capacity, tap.capacity)) };
    },
    log: (_s, { limit }) => this.relay.log.recent(Math.min(limit ?? 1000, 10_000)),
    getSettings: () => this.relay.config,
    updateSettings: (_s, { patch }) => this.updateSettings(patch),
    captures: (_s, p) => this.captureOps.captures(p),
    startCapture: (_s, p) => this.captureOps.startCapture(p),
    stopCapture: (_s, p) => this.captureOps.stopCapture(p),
    replayCapture: (_s, p) => this.captureOps.replayCapture(p),
  };

  private snapshot(): Snapshot {
    const { relay } = this;
    const templates: Snapshot['templates'] = {};
    const payloadFormats: Snapshot['payloadFormats'] = {};
    for (const [p, d] of relay.dialects) {
      templates[p] = d.injectTemplate;
      payloadFormats[p] = d.injectFormat;
    }
    return {
      version: this.opts.version,
      startedAt: relay.server.startedAt,
      protocols: relay.protocols,
      listeners: relay.listeners,
      stats: this.history.at(-1) ?? this.stats(Date.now(), zeroRates()),
      history: [...this.history],
      settings: relay.config,
      settingSources: this.opts.settingSources,
      templates,
      payloadFormats,
    };
  }

  private peers(filter: PeerFilter, offset: number, limit: number): Result<'peers'> {
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

  private rooms(protocol: ProtocolName | undefined): RoomInfo[] {
    const out: RoomInfo[] = [];
    for (const [p, room, members] of this.relay.hub.allRooms()) if (!protocol || p === protocol) out.push({ protocol: p, room, members });
    return out.sort((a, b) => a.protocol.localeCompare(b.protocol) || b.members - a.members || a.room.localeCompare(b.room));
  }

  private kick(key: string, code: number | undefined, reason: string | undefined): Result<'kick'> {
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

  private inject(protocol: ProtocolName, target: InjectTarget, payload: string): Result<'inject'> {
    const dialect = this.relay.dialects.get(protocol);
    if (!dialect) throw new ConsoleError(`protocol "${String(protocol)}" is not spoken by this relay`);
    try {
      return { recipients: dialect.inject(target, payload) };
    } catch (err) {
      if (err instanceof InjectError) throw new ConsoleError(err.message);
      throw err;
    }
  }

  private async updateSettings(patch: Partial<Config>): Promise<Result<'updateSettings'>> {
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
    this.broadcast({ type: 'settings', settings: this.relay.config, listeners: this.relay.listeners });
    return { settings: this.relay.config, restarted, pending: changed.filter((k) => !LIVE_KEYS.includes(k)) };
  }

  // ---- the clocks

  private queuePresence(p: Presence): void {
    if (this.sessions.size > 0) this.presence.push(p);
  }

  /** Sends each session its traffic since its cursor, and the presence changes since the last pump. */
  private pump(): void {
    const changes = this.presence.splice(0).map((p): ConsoleEvent => ('joined' in p ? { type: 'peerJoined', peer: peerInfo(p.joined) } : p.left));
    for (const s of this.sessions) {
      try {
        for (const e of changes) s.emit(e);
        if (s.sub && !s.congested()) this.sendTraffic(s, s.sub);
      } catch (err) {
        // One session's failure stays its own: its subscription ends, the other sessions and the relay go on.
        s.sub = undefined;
        this.relay.log.add('error', 'error', `console traffic pump: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      }
    }
  }

  private sendTraffic(s: ConsoleSession, sub: Subscription): void {
    const tap = this.relay.tap;
    const { maxBatch } = this.opts;
    // Unfiltered, only the newest maxBatch records can be sent: the older ones are skipped
    // without being read, which at full load is most of what the tap holds.
    const from = sub.all ? Math.max(sub.cursor, tap.head - maxBatch) : sub.cursor;
    const read = tap.read(from);
    let skipped = read.skipped + from - sub.cursor;
    sub.cursor = read.next;
    let records = sub.all ? read.records : read.records.filter((r) => matchesTraffic(sub.filter, sub.text, r));
    if (records.length > maxBatch) {
      skipped += records.length - maxBatch;
      records = records.slice(-maxBatch);
    }
    if (records.length > 0 || skipped > 0) s.emit({ type: 'traffic', records, skipped });
  }

  private tick(): void {
    const now = Date.now();
    const seconds = Math.max(0.001, (now - this.lastTick) / 1000);
    const t = totals(this.relay.core.delivery.counters);
    const per = (n: number): number => Math.round((n / seconds) * 10) / 10;
    const rates: Rates = {
      msgsInPerSec: per(t.msgsIn - this.lastTotals.msgsIn),
      msgsOutPerSec: per(t.msgsOut - this.lastTotals.msgsOut),
      bytesInPerSec: per(t.bytesIn - this.lastTotals.bytesIn),
      bytesOutPerSec: per(t.bytesOut - this.lastTotals.bytesOut),
      connectsPerSec: per(this.connects),
      disconnectsPerSec: per(this.disconnects),
    };
    this.lastTotals = t;
    this.lastTick = now;
    this.connects = 0;
    this.disconnects = 0;
    const stats = this.stats(now, rates);
    this.history.push(stats);
    if (this.history.length > this.opts.historyLength) this.history.shift();
    this.broadcast({ type: 'stats', stats });
  }

  private stats(ts: number, rates: Rates): Stats {
    const byProtocol = {} as Record<ProtocolName, ProtocolCounters>;
    for (const p of PROTOCOLS) byProtocol[p] = { ...this.relay.core.delivery.counters[p] };
    return { ts, peers: this.relay.hub.size, byProtocol, rates };
  }

  private broadcast(event: ConsoleEvent): void {
    for (const s of this.sessions) s.emit(event);
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

export function matchesTraffic(f: TrafficFilter, lowerText: string, r: TrafficRecord): boolean {
  if (f.protocol && r.protocol !== f.protocol) return false;
  if (f.room && r.room !== f.room) return false;
  if (f.peer && r.from !== f.peer && r.to !== f.peer) return false;
  if (f.kinds && f.kinds.length > 0 && !f.kinds.includes(r.kind)) return false;
  if (lowerText && !r.preview.toLowerCase().includes(lowerText) && !(r.reason ?? '').toLowerCase().includes(lowerText)) return false;
  return true;
}

function totals(counters: Record<ProtocolName, ProtocolCounters>): ProtocolCounters {
  const t: ProtocolCounters = { connections: 0, msgsIn: 0, bytesIn: 0, msgsOut: 0, bytesOut: 0, drops: 0 };
  for (const c of Object.values(counters)) for (const k of Object.keys(t) as (keyof ProtocolCounters)[]) t[k] += c[k];
  return t;
}

function zeroRates(): Rates {
  return { msgsInPerSec: 0, msgsOutPerSec: 0, bytesInPerSec: 0, bytesOutPerSec: 0, connectsPerSec: 0, disconnectsPerSec: 0 };
}
