import type { SettingSources } from '../config/schema.js';
import type { Handshake, Peer } from '../core/peer.js';
import type { Relay } from '../relay.js';
import { captureOps } from './capture-ops.js';
import { ConsoleError } from './errors.js';
import { Operations } from './ops.js';
import { checkParams } from './params.js';
import { StatsClock } from './stats.js';
import { TrafficPump, type Subscription, type TrafficReader } from './traffic.js';
import type { ConsoleClient, ConsoleEvent, ConsoleOp, Params, Result, Snapshot } from './types.js';

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

const DEFAULT_PAGE = 100;

/**
 * One UI's view of the relay: its own traffic subscription and its own events. It is a
 * ConsoleClient, so an in-process shell (Electron's main process) can use it as it is.
 */
export class ConsoleSession implements ConsoleClient, TrafficReader {
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
 * The operator API over a relay, shared by every UI shell: it keeps the sessions and dispatches
 * their requests to the operations (ops.ts), the traffic pump (traffic.ts) and the stats clock
 * (stats.ts), each with its own beat. The relay never waits for a UI.
 */
export class ConsoleService {
  private readonly sessions = new Set<ConsoleSession>();
  private readonly timers: NodeJS.Timeout[];
  private readonly unsubscribe: (() => void)[];
  private readonly opts: Required<ConsoleServiceOptions>;
  private readonly ops: Operations;
  private readonly traffic: TrafficPump;
  private readonly clock: StatsClock;
  private readonly captureOps: ReturnType<typeof captureOps>;
  private readonly handshakes = new WeakMap<Peer, Handshake>();

  constructor(
    readonly relay: Relay,
    options: ConsoleServiceOptions = {},
  ) {
    this.opts = { batchMs: 50, statsMs: 1000, maxBatch: 1000, historyLength: 300, version: '', settingSources: {}, ...options };
    const { cluster } = relay;
    this.clock = new StatsClock(relay.hub, relay.core.delivery.counters, relay.tap, this.opts.historyLength, cluster && (() => cluster.status()));
    this.ops = new Operations(
      relay,
      () => this.broadcast({ type: 'settings', settings: relay.config, listeners: relay.listeners }),
      (peer) => this.handshakes.get(peer),
      (protocol, room) => this.clock.roomRate(protocol, room),
    );
    this.traffic = new TrafficPump(relay.tap, this.opts.maxBatch, cluster?.name);
    this.unsubscribe = [
      // The peer does not keep what it asked for at its opening; the console does, for its detail.
      relay.core.observers.add({
        opened: ({ peer, handshake }) => {
          if (handshake) this.handshakes.set(peer, handshake);
        },
      }),
      relay.hub.onPresence({
        joined: (peer) => {
          this.clock.connected();
          this.traffic.queuePresence({ joined: peer }, this.sessions.size > 0);
        },
        left: (peer, code, reason) => {
          this.clock.disconnected();
          this.traffic.queuePresence({ left: { type: 'peerLeft', key: peer.key, protocol: peer.protocol, id: peer.id, code, reason } }, this.sessions.size > 0);
        },
      }),
      relay.log.subscribe((entry) => this.broadcast({ type: 'log', entry })),
      relay.captures.onChange((capture) => this.broadcast({ type: 'capture', capture })),
    ];
    this.captureOps = captureOps(relay, (e) => this.broadcast(e), (message) => new ConsoleError(message));
    this.timers = [
      setInterval(() => this.traffic.beat(this.sessions, (err) => relay.log.add('error', 'error', `console traffic pump: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`)), this.opts.batchMs),
      setInterval(() => this.broadcast({ type: 'stats', stats: this.clock.tick() }), this.opts.statsMs),
    ];
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
    peers: (_s, { filter, sort, offset, limit }) => this.ops.peers(filter ?? {}, sort, offset ?? 0, limit ?? DEFAULT_PAGE),
    peer: (_s, { key }) => this.ops.peer(key),
    rooms: (_s, { protocol }) => this.ops.rooms(protocol),
    roomMembers: (_s, { protocol, room }) => this.ops.roomMembers(protocol, room),
    kick: (_s, { key, code, reason }) => this.ops.kick(key, code, reason),
    inject: (_s, { protocol, target, payload }) => this.ops.inject(protocol, target, payload),
    subscribeTraffic: (s, { filter, backlog }) => this.traffic.subscribe(s, filter ?? {}, backlog ?? 0),
    unsubscribeTraffic: (s) => {
      s.sub = undefined;
      return {};
    },
    exportTraffic: (_s, { filter, limit }) => ({ records: this.traffic.export(filter ?? {}, limit ?? this.relay.tap.capacity) }),
    frame: (_s, { seq }) => this.traffic.frame(seq),
    log: (_s, { limit }) => this.relay.log.recent(Math.min(limit ?? 1000, 10_000)),
    getSettings: () => this.relay.config,
    updateSettings: (_s, { patch }) => this.ops.updateSettings(patch),
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
      stats: this.clock.current,
      history: [...this.clock.history],
      settings: relay.config,
      settingSources: this.opts.settingSources,
      templates,
      payloadFormats,
    };
  }

  private broadcast(event: ConsoleEvent): void {
    for (const s of this.sessions) s.emit(event);
  }
}
