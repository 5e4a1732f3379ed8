import type { Peer } from '../core/peer.js';
import type { TrafficRecord, TrafficTap } from '../core/tap.js';
import { peerInfo } from './ops.js';
import type { ConsoleEvent, TrafficFilter } from './types.js';

/** A session's traffic subscription: a cursor into the tap and its filter. */
export interface Subscription {
  cursor: number;
  filter: TrafficFilter;
  text: string;
  /** The filter lets every record through. */
  all: boolean;
}

/** What the pump needs of a UI session. */
export interface TrafficReader {
  sub: Subscription | undefined;
  /** The carrier says it is backed up: traffic waits (and is counted as skipped when it is overwritten). */
  congested(): boolean;
  emit(event: ConsoleEvent): void;
}

type Presence = { joined: Peer } | { left: Extract<ConsoleEvent, { type: 'peerLeft' }> };

/**
 * The traffic pump: each session reads the tap from its own cursor, through its filter, and
 * gets one batch per beat with the presence changes since the last. The relay never waits for a
 * UI: a session that fell behind is told how many records it skipped.
 */
export class TrafficPump {
  private readonly presence: Presence[] = [];

  constructor(
    private readonly tap: TrafficTap,
    private readonly maxBatch: number,
  ) {}

  subscribe(reader: TrafficReader, filter: TrafficFilter, backlog: number): { from: number } {
    const cursor = Math.max(1, this.tap.head - Math.min(backlog, this.tap.capacity));
    const text = (filter.text ?? '').toLowerCase();
    reader.sub = { cursor, filter, text, all: !filter.protocol && !filter.room && !filter.peer && !filter.kinds?.length && !text };
    return { from: cursor };
  }

  /** What the tap holds that the filter lets through, the newest `limit`. */
  export(filter: TrafficFilter, limit: number): TrafficRecord[] {
    const text = (filter.text ?? '').toLowerCase();
    const records = this.tap.read(0).records.filter((r) => matchesTraffic(filter, text, r));
    return records.slice(-Math.min(limit, this.tap.capacity));
  }

  /** Queues a presence change for the next beat; nothing is kept while no session listens. */
  queuePresence(p: Presence, listening: boolean): void {
    if (listening) this.presence.push(p);
  }

  /** One beat: every reader gets the presence changes, then its traffic since its cursor. `failed` hears a reader that threw. */
  beat(readers: Iterable<TrafficReader>, failed: (err: unknown) => void): void {
    const changes = this.presence.splice(0).map((p): ConsoleEvent => ('joined' in p ? { type: 'peerJoined', peer: peerInfo(p.joined) } : p.left));
    for (const r of readers) {
      try {
        for (const e of changes) r.emit(e);
        if (r.sub && !r.congested()) this.send(r, r.sub);
      } catch (err) {
        // One session's failure stays its own: its subscription ends, the other sessions and the relay go on.
        r.sub = undefined;
        failed(err);
      }
    }
  }

  private send(r: TrafficReader, sub: Subscription): void {
    const tap = this.tap;
    const maxBatch = this.maxBatch;
    // Unfiltered, only the newest maxBatch records can be sent: the older ones are skipped
    // without being read, which at full load is most of what the tap holds.
    const from = sub.all ? Math.max(sub.cursor, tap.head - maxBatch) : sub.cursor;
    const read = tap.read(from);
    let skipped = read.skipped + from - sub.cursor;
    sub.cursor = read.next;
    let records = sub.all ? read.records : read.records.filter((rec) => matchesTraffic(sub.filter, sub.text, rec));
    if (records.length > maxBatch) {
      skipped += records.length - maxBatch;
      records = records.slice(-maxBatch);
    }
    if (records.length > 0 || skipped > 0) r.emit({ type: 'traffic', records, skipped });
  }
}

export function matchesTraffic(f: TrafficFilter, lowerText: string, r: TrafficRecord): boolean {
  if (f.protocol && r.protocol !== f.protocol) return false;
  if (f.room && r.room !== f.room) return false;
  if (f.peer && r.from !== f.peer && r.to !== f.peer) return false;
  if (f.kinds && f.kinds.length > 0 && !f.kinds.includes(r.kind)) return false;
  if (lowerText && !r.preview.toLowerCase().includes(lowerText) && !(r.reason ?? '').toLowerCase().includes(lowerText)) return false;
  return true;
}
