import { PROTOCOLS, type ProtocolName } from '../config/schema.js';
import { zeroCounters, type ProtocolCounters } from '../core/delivery.js';
import type { Hub } from '../core/hub.js';
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

  constructor(
    private readonly hub: Hub,
    private readonly counters: Record<ProtocolName, ProtocolCounters>,
    private readonly historyLength: number,
  ) {
    this.lastTotals = totals(counters);
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
    this.connects = 0;
    this.disconnects = 0;
    const stats = this.stats(now, rates);
    this.history.push(stats);
    if (this.history.length > this.historyLength) this.history.shift();
    return stats;
  }

  private stats(ts: number, rates: Rates): Stats {
    const byProtocol = {} as Record<ProtocolName, ProtocolCounters>;
    for (const p of PROTOCOLS) byProtocol[p] = { ...this.counters[p] };
    return { ts, peers: this.hub.size, byProtocol, rates };
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
