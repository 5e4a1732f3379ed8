import type { CaptureView } from '../../relay/console/capture-view.js';
import type {
  ConsoleClient,
  ConsoleEvent,
  ConsoleOp,
  Params,
  PeerFilter,
  PeerInfo,
  ProtocolCounters,
  ProtocolName,
  Result,
  RoomInfo,
  Snapshot,
  TrafficFilter,
  TrafficRecord,
} from '../../relay/console/types.js';

type Handlers = { [K in ConsoleOp]: (params: Params<K>) => Result<K> };

const ZERO_RATES = { msgsInPerSec: 0, msgsOutPerSec: 0, bytesInPerSec: 0, bytesOutPerSec: 0, connectsPerSec: 0, disconnectsPerSec: 0 };

/** Why a request that needs a relay fails in a capture opened offline. */
function noRelay(what: string): never {
  throw new Error(`this is a capture opened with no relay: there is nothing to ${what}`);
}

function matches(f: TrafficFilter, lower: string, r: TrafficRecord, frame: string): boolean {
  if (f.protocol && r.protocol !== f.protocol) return false;
  if (f.room && r.room !== f.room) return false;
  if (f.peer && r.from !== f.peer && r.to !== f.peer) return false;
  if (f.kinds?.length && !f.kinds.includes(r.kind)) return false;
  return !lower || frame.toLowerCase().includes(lower) || (r.reason ?? '').toLowerCase().includes(lower);
}

/**
 * The console's client interface over a capture file instead of a relay: the views browse,
 * filter and draw the capture as they would a live relay's traffic. What needs a relay (send,
 * kick, settings, record) is refused with a message that says so.
 */
export class CaptureClient implements ConsoleClient {
  private readonly listeners = new Set<(event: ConsoleEvent) => void>();

  constructor(
    readonly view: CaptureView,
    readonly name: string,
  ) {}

  request<K extends ConsoleOp>(op: K, params: Params<K>): Promise<Result<K>> {
    try {
      return Promise.resolve((this.handlers[op] as (p: Params<K>) => Result<K>)(params ?? ({} as Params<K>)));
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }

  onEvent(listener: (event: ConsoleEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(event: ConsoleEvent): void {
    for (const l of this.listeners) l(event);
  }

  private frameText(seq: number): string {
    const c = this.view.frames.get(seq);
    return c?.text ?? c?.base64 ?? '';
  }

  private traffic(filter: TrafficFilter | undefined): TrafficRecord[] {
    const f = filter ?? {};
    const lower = (f.text ?? '').toLowerCase();
    return this.view.records.filter((r) => matches(f, lower, r, this.frameText(r.seq) || r.preview));
  }

  private peerList(filter: PeerFilter = {}): PeerInfo[] {
    const text = (filter.text ?? '').toLowerCase();
    return [...this.view.peers.values()].filter(
      (p) =>
        (!filter.protocol || p.protocol === filter.protocol) &&
        (!filter.room || p.rooms.includes(filter.room)) &&
        (!text || `${p.id} ${p.remote} ${typeof p.meta === 'string' ? p.meta : JSON.stringify(p.meta)}`.toLowerCase().includes(text)),
    );
  }

  private snapshot(): Snapshot {
    const { header, records, peers, open, end } = this.view;
    const byProtocol = {} as Record<ProtocolName, ProtocolCounters>;
    for (const p of header.relay.protocols) byProtocol[p] = { connections: 0, msgsIn: 0, bytesIn: 0, msgsOut: 0, bytesOut: 0, drops: 0 };
    for (const p of peers.values()) {
      const c = (byProtocol[p.protocol] ??= { connections: 0, msgsIn: 0, bytesIn: 0, msgsOut: 0, bytesOut: 0, drops: 0 });
      if (open.has(p.key)) c.connections++;
      c.msgsIn += p.msgsIn;
      c.bytesIn += p.bytesIn;
      c.msgsOut += p.msgsOut;
      c.bytesOut += p.bytesOut;
      c.drops += p.drops;
    }
    const lastTs = records.at(-1)?.ts ?? header.startedMs;
    return {
      version: header.relay.version,
      startedAt: header.startedMs,
      protocols: header.relay.protocols,
      listeners: [],
      stats: { ts: lastTs, peers: open.size, byProtocol, rates: ZERO_RATES },
      history: [],
      // A capture holds no settings (they carry secrets): the Settings view says so.
      settings: {} as Snapshot['settings'],
      settingSources: {},
      templates: {},
      payloadFormats: {},
      offline: { name: this.name, started: header.started, by: header.by, records: records.length, ended: end?.reason ?? null },
    };
  }

  private readonly handlers: Handlers = {
    snapshot: () => this.snapshot(),
    peers: ({ filter, offset = 0, limit = 100 }) => {
      const all = this.peerList(filter);
      return { total: all.length, peers: all.slice(offset, offset + limit) };
    },
    peer: ({ key }) => this.view.peers.get(key) ?? null,
    rooms: ({ protocol }) => {
      const counts = new Map<string, RoomInfo>();
      for (const p of this.view.peers.values()) {
        if (protocol && p.protocol !== protocol) continue;
        for (const room of p.rooms) {
          const k = `${p.protocol}\n${room}`;
          const info = counts.get(k) ?? { protocol: p.protocol, room, members: 0 };
          info.members++;
          counts.set(k, info);
        }
      }
      return [...counts.values()].sort((a, b) => a.protocol.localeCompare(b.protocol) || b.members - a.members || a.room.localeCompare(b.room));
    },
    roomMembers: ({ protocol, room }) => this.peerList({ protocol, room }),
    kick: () => noRelay('kick'),
    inject: () => noRelay('send to'),
    subscribeTraffic: ({ filter }) => {
      const records = this.traffic(filter);
      // After the answer, as a relay's first batch comes after its answer.
      setTimeout(() => this.emit({ type: 'traffic', records, skipped: 0 }), 0);
      return { from: 1 };
    },
    unsubscribeTraffic: () => ({}),
    exportTraffic: ({ filter, limit }) => ({ records: this.traffic(filter).slice(-(limit ?? this.view.records.length)) }),
    log: () => [],
    getSettings: () => this.snapshot().settings,
    updateSettings: () => noRelay('change settings on'),
    captures: () => ({ current: null, files: [], limits: { maxBytes: 0, maxSeconds: 0 } }),
    startCapture: () => noRelay('record'),
    stopCapture: () => null,
    replayCapture: () => noRelay('replay into: run switchboard replay FILE --url ws://HOST:PORT'),
  };
}
