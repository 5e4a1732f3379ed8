import type { Peer } from '../core/peer.js';
import type { TrafficRecord, TrafficTap } from '../core/tap.js';
import { peerInfo } from './ops.js';
import { SCAN_RECORDS, SearchError, TrafficSearch, type ScanResult } from './search.js';
import type { ConsoleEvent, FrameDetail, TrafficFilter } from './types.js';

/** A session's traffic subscription: a cursor into the tap and its search. */
export interface Subscription {
  cursor: number;
  search: TrafficSearch;
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
    /** This node's name in a cluster, which a joining peer is told with. */
    private readonly node: string | undefined,
  ) {}

  subscribe(reader: TrafficReader, filter: TrafficFilter, backlog: number): { from: number } {
    const cursor = Math.max(1, this.tap.head - Math.min(backlog, this.tap.capacity));
    reader.sub = { cursor, search: new TrafficSearch(filter) };
    return { from: cursor };
  }

  /** The newest `limit` records the filter lets through, from one bounded pass over the newest part of the tap. */
  export(filter: TrafficFilter, limit: number): TrafficRecord[] {
    const tap = this.tap;
    const scan = new TrafficSearch(filter).scan(tap, Math.max(tap.first, tap.head - SCAN_RECORDS));
    return scan.records.slice(-Math.min(limit, tap.capacity));
  }

  /** One record with its whole frame as kept, or null once the tap has let it go. */
  frame(seq: number): FrameDetail | null {
    const tap = this.tap;
    const record = tap.get(seq);
    const kept = tap.frame(seq);
    if (!record || !kept) return null;
    return {
      record,
      encoding: kept.binary ? 'base64' : 'text',
      data: kept.bytes.toString(kept.binary ? 'base64' : 'utf8'),
      recipientIds: tap.recipientsOf(seq),
    };
  }

  /** Queues a presence change for the next beat; nothing is kept while no session listens. */
  queuePresence(p: Presence, listening: boolean): void {
    if (listening) this.presence.push(p);
  }

  /** One beat: every reader gets the presence changes, then its traffic since its cursor. `failed` hears a reader that threw. */
  beat(readers: Iterable<TrafficReader>, failed: (err: unknown) => void): void {
    const changes = this.presence.splice(0).map((p): ConsoleEvent => ('joined' in p ? { type: 'peerJoined', peer: peerInfo(p.joined, this.node) } : p.left));
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
    const from = sub.search.all ? Math.max(sub.cursor, tap.head - maxBatch) : sub.cursor;
    let scan: ScanResult;
    try {
      scan = sub.search.scan(tap, from);
    } catch (err) {
      // A search the relay stopped (a regex over its time) ends that subscription, and says why.
      if (!(err instanceof SearchError)) throw err;
      r.sub = undefined;
      r.emit({ type: 'traffic', records: [], skipped: 0, error: err.message });
      return;
    }
    let skipped = scan.skipped + from - sub.cursor;
    sub.cursor = scan.next;
    let records = scan.records;
    if (records.length > maxBatch) {
      skipped += records.length - maxBatch;
      records = records.slice(-maxBatch);
    }
    if (records.length > 0 || skipped > 0) r.emit({ type: 'traffic', records, skipped });
  }
}
