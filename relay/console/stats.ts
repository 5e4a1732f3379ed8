import { PROTOCOLS, type ProtocolName } from '../config/schema.js';
import type { BusStatus } from '../core/bus.js';
import { zeroCounters, type ProtocolCounters } from '../core/delivery.js';
import type { Hub } from '../core/hub.js';
import type { TrafficTap } from '../core/tap.js';
import type { RoomRate } from './ops.js';
import type { Rates, Stats } from './types.js';

/**
 * The stats clock: at each tick, the rates since the last from the delivery counters and the
 * connects and disconnects heard, kept for the charts (the newest `historyLength` ticks).
 */
export class StatsClock {
  readonly history: Stats[] = [];
  private lastTotals: ProtocolCounters;
  private lastTick = Date.now();
  private connects = 0;
  private disconnects = 0;
  /** Per-room rates of the last tick, and where the next count starts in the tap. */
  private roomRates = new Map<ProtocolName, Map<string, RoomRate>>();
  private roomCursor: number;

  constructor(
    private readonly hub: Hub,
    private readonly counters: Record<ProtocolName, ProtocolCounters>,
    private readonly tap: TrafficTap,
    private readonly historyLength: number,
    /** On a cluster's node: its health and the nodes it knows of, read at each tick. */
    private readonly cluster: (() => BusStatus) | undefined,
  ) {
    this.lastTotals = totals(counters);
    this.roomCursor = tap.head;
  }

  roomRate(protocol: ProtocolName, room: string): RoomRate | undefined {
    return this.roomRates.get(protocol)?.get(room);
  }

  connected(): void {
    this.connects++;
  }

  disconnected(): void {
    this.disconnects++;
  }

  /** The newest tick, or one made now before the first. */
  get current(): Stats {
    return this.history.at(-1) ?? this.stats(Date.now(), zeroRates());
  }

  tick(now = Date.now()): Stats {
    const seconds = Math.max(0.001, (now - this.lastTick) / 1000);
    const t = totals(this.counters);
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
    this.roomRates = this.countRooms(seconds);
    this.connects = 0;
    this.disconnects = 0;
    const stats = this.stats(now, rates);
    this.history.push(stats);
    if (this.history.length > this.historyLength) this.history.shift();
    return stats;
  }

  /** Messages and bytes a second per room since the last tick, read from the tap's columns. */
  private countRooms(seconds: number): Map<ProtocolName, Map<string, RoomRate>> {
    const out = new Map<ProtocolName, Map<string, RoomRate>>();
    this.roomCursor = this.tap.visit(this.roomCursor, (protocol, room, kind, size) => {
      if (room === null || kind === 'open' || kind === 'close') return;
      let rooms = out.get(protocol);
      if (!rooms) out.set(protocol, (rooms = new Map()));
      const r = rooms.get(room);
      if (r) {
        r.msgs++;
        r.bytes += size;
      } else rooms.set(room, { msgs: 1, bytes: size });
    });
    for (const rooms of out.values())
      for (const r of rooms.values()) {
        r.msgs = Math.round((r.msgs / seconds) * 10) / 10;
        r.bytes = Math.round(r.bytes / seconds);
      }
    return out;
  }

  private stats(ts: number, rates: Rates): Stats {
    const byProtocol = {} as Record<ProtocolName, ProtocolCounters>;
    for (const p of PROTOCOLS) byProtocol[p] = { ...this.counters[p] };
    const tap = this.tap;
    const stats: Stats = { ts, peers: this.hub.size, byProtocol, rates, tap: { records: tap.head - tap.first, bytes: tap.bytesHeld, budgetBytes: tap.budgetBytes } };
    if (this.cluster) stats.cluster = this.cluster();
    return stats;
  }
}

function totals(counters: Record<ProtocolName, ProtocolCounters>): ProtocolCounters {
  const t = zeroCounters();
  for (const c of Object.values(counters)) for (const k of Object.keys(t) as (keyof ProtocolCounters)[]) t[k] += c[k];
  return t;
}

function zeroRates(): Rates {
  return { msgsInPerSec: 0, msgsOutPerSec: 0, bytesInPerSec: 0, bytesOutPerSec: 0, connectsPerSec: 0, disconnectsPerSec: 0 };
}
