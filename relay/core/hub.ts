import type { ProtocolName } from '../config/schema.js';
import { PROTOCOLS } from '../config/schema.js';
import { NO_LIMITS, TokenBucket, type HubLimits } from './limits.js';
import type { EventLog } from './log.js';
import { Peer, type PeerInit } from './peer.js';
import type { NewRecord, TrafficKind, TrafficTap } from './tap.js';

/** Who a delivery goes to. Every form stays inside one protocol; rooms isolate within it. */
export type Target =
  /** One peer the dialect already holds. */
  | { peer: Peer }
  /** The peer with this wire id in this room, and no other: ids in other rooms are unreachable. */
  | { protocol: ProtocolName; room: string; id: string }
  /** Every member of a room that passes the filter, except one (usually the sender). */
  | { protocol: ProtocolName; room: string; filter?: (p: Peer) => boolean; except?: Peer }
  /** Every peer of a protocol that passes the filter. */
  | { protocol: ProtocolName; everyone: true; filter?: (p: Peer) => boolean; except?: Peer }
  /** An explicit set of peers, chosen by the dialect's own rules. */
  | { peers: Iterable<Peer>; protocol: ProtocolName; room?: string };

export type Origin = Peer | 'relay' | 'operator';

export interface Delivery {
  from: Origin;
  to: Target;
  /** The frame to send. A function makes one frame per recipient, for protocols whose frames name it. */
  frame: string | Buffer | ((recipient: Peer) => string);
  /** The client's own frame, when this delivery answers one: the tap records it instead. */
  inbound?: string | Buffer;
  /** The client's frame came as a binary WebSocket frame. */
  binary?: boolean;
}

export interface ProtocolCounters {
  connections: number;
  msgsIn: number;
  bytesIn: number;
  msgsOut: number;
  bytesOut: number;
  drops: number;
}

export interface PresenceListener {
  joined?(peer: Peer): void;
  left?(peer: Peer, code: number, reason: string): void;
}


/**
 * The hub owns who receives what: the peers, the rooms that isolate them, routing, presence,
 * the slow-consumer bound, and the traffic records of everything it does.
 */
export class Hub {
  private readonly byKey = new Map<string, Peer>();
  private readonly byProtocol = new Map<ProtocolName, Map<string, Peer>>(PROTOCOLS.map((p) => [p, new Map()]));
  /** Rooms per protocol, members by wire id. Two levels, not one joined key: routing looks a room up per message. */
  private readonly rooms = new Map<ProtocolName, Map<string, Map<string, Peer>>>(PROTOCOLS.map((p) => [p, new Map()]));
  /** Rooms open across every protocol, for the room limit. */
  private roomCount = 0;
  private readonly departures = new WeakMap<Peer, () => void>();
  private readonly presence = new Set<PresenceListener>();
  private readonly buckets = new WeakMap<Peer, TokenBucket>();
  private readonly limits: HubLimits;
  readonly counters: Record<ProtocolName, ProtocolCounters>;
  readonly closesByCode = new Map<number, number>();
  private sweepTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly tap: TrafficTap,
    readonly log: EventLog,
    private readonly maxQueueBytes: number,
    limits: Partial<HubLimits> = {},
  ) {
    this.limits = { ...NO_LIMITS, ...limits };
    this.counters = Object.fromEntries(
      PROTOCOLS.map((p) => [p, { connections: 0, msgsIn: 0, bytesIn: 0, msgsOut: 0, bytesOut: 0, drops: 0 }]),
    ) as Record<ProtocolName, ProtocolCounters>;
  }

  // ---- peers and rooms

  /** Registers a connected client. `onGone` runs once when it leaves, however it leaves. */
  connect(init: PeerInit, onGone?: (peer: Peer) => void): Peer {
    const peer = new Peer(init);
    this.byKey.set(peer.key, peer);
    this.byProtocol.get(peer.protocol)!.set(peer.key, peer);
    this.counters[peer.protocol].connections++;
    if (onGone) this.departures.set(peer, () => onGone(peer));
    if (this.limits.ratePerSecond > 0) this.buckets.set(peer, new TokenBucket(this.limits.ratePerSecond, this.limits.rateBurst));
    this.record('open', peer.protocol, null, peer.id, null, 0, 0, peer.remote);
    for (const l of this.presence) l.joined?.(peer);
    return peer;
  }

  /**
   * Puts a peer in a room. A peer that would open one room more than the limit is closed with
   * 1013 instead, and false is returned. A peer that has left joins nothing: it would stay in
   * the room for good.
   */
  join(peer: Peer, room: string): boolean {
    if (peer.closing) return false;
    const rooms = this.rooms.get(peer.protocol)!;
    let members = rooms.get(room);
    if (!members) {
      const full = this.roomsRefused(peer.protocol, [room]);
      if (full) {
        this.close(peer, 1013, full);
        return false;
      }
      rooms.set(room, (members = new Map()));
      this.roomCount++;
    }
    members.set(peer.id, peer);
    peer.rooms.add(room);
    return true;
  }

  /** Why joining all these rooms at once would open rooms over the limit, or undefined if it would not. */
  roomsRefused(protocol: ProtocolName, rooms: Iterable<string>): string | undefined {
    const fresh = new Set<string>();
    const open = this.rooms.get(protocol)!;
    for (const room of rooms) if (!open.has(room)) fresh.add(room);
    if (fresh.size === 0 || this.roomCount + fresh.size <= this.limits.maxRooms) return undefined;
    return `room limit reached: the relay holds ${this.limits.maxRooms} rooms`;
  }

  leave(peer: Peer, room: string): void {
    const rooms = this.rooms.get(peer.protocol)!;
    const members = rooms.get(room);
    if (members?.get(peer.id) === peer) members.delete(peer.id);
    if (members?.size === 0) {
      rooms.delete(room);
      this.roomCount--;
    }
    peer.rooms.delete(room);
  }

  /** Members of a room in the order they joined. */
  members(protocol: ProtocolName, room: string): IterableIterator<Peer> {
    return (this.rooms.get(protocol)!.get(room) ?? new Map<string, Peer>()).values();
  }

  roomSize(protocol: ProtocolName, room: string): number {
    return this.rooms.get(protocol)!.get(room)?.size ?? 0;
  }

  /** Every room as [protocol, room, member count]. */
  *allRooms(): IterableIterator<[ProtocolName, string, number]> {
    for (const [protocol, rooms] of this.rooms) for (const [room, members] of rooms) yield [protocol, room, members.size];
  }

  peer(key: string): Peer | undefined {
    return this.byKey.get(key);
  }

  peers(protocol?: ProtocolName): IterableIterator<Peer> {
    return protocol ? this.byProtocol.get(protocol)!.values() : this.byKey.values();
  }

  get size(): number {
    return this.byKey.size;
  }

  onPresence(listener: PresenceListener): () => void {
    this.presence.add(listener);
    return () => this.presence.delete(listener);
  }

  // ---- routing

  /**
   * The one routing path for every message, from clients, the relay and the operator alike.
   * A fan-out encodes its frame once and sends the same bytes to every recipient. A relay bus
   * (several relays over a broker) would extend this function. Returns the recipient count.
   */
  route(d: Delivery): number {
    const recipients = this.resolve(d.to);
    const shared = typeof d.frame === 'function' ? undefined : typeof d.frame === 'string' ? Buffer.from(d.frame) : d.frame;
    let delivered = 0;
    let only: Peer | undefined;
    let firstOut: Buffer | undefined = shared;
    for (const peer of recipients) {
      const bytes = shared ?? Buffer.from((d.frame as (p: Peer) => string)(peer));
      firstOut ??= bytes;
      if (this.deliver(peer, bytes)) {
        delivered++;
        only = peer;
      }
    }
    const sender = d.from instanceof Peer ? d.from : undefined;
    // A notice the relay had nobody to tell (the first peer of a group joining) is not traffic.
    if (d.from === 'relay' && delivered === 0) return 0;
    const protocol = sender?.protocol ?? targetProtocol(d.to);
    const kind: TrafficKind = sender ? 'message' : d.from === 'operator' ? 'operator' : 'relay';
    const shown = d.inbound ?? firstOut ?? (typeof d.frame === 'function' ? '' : d.frame);
    const room = 'room' in d.to ? (d.to.room ?? null) : firstRoom(sender ?? ('peer' in d.to ? d.to.peer : undefined));
    // The recipient's own id string when there is one: the tap keeps it, and a string parsed from
    // the frame would live on in the ring and cost every young-generation collection a copy.
    const to = delivered === 1 && only ? only.id : 'peer' in d.to ? d.to.peer.id : 'id' in d.to ? d.to.id : null;
    this.record(kind, protocol, room, sender ? sender.id : d.from === 'operator' ? 'operator' : 'relay', to, delivered, byteLength(shown), shown, d.binary);
    return delivered;
  }

  /** Records a client frame that the dialect answered itself (a command, a ping) or dropped. */
  note(peer: Peer, inbound: string | Buffer, to: string | null = 'relay', binary = false): void {
    this.record('message', peer.protocol, firstRoom(peer), peer.id, to, 0, byteLength(inbound), inbound, binary);
  }

  /** Sends prepared bytes to one peer, unless it is closing or its queue is full. */
  deliver(peer: Peer, bytes: Buffer): boolean {
    if (peer.closing || !this.queueHasRoom(peer, bytes)) return false;
    peer.transport.send(bytes);
    peer.msgsOut++;
    peer.bytesOut += bytes.length;
    const c = this.counters[peer.protocol];
    c.msgsOut++;
    c.bytesOut += bytes.length;
    return true;
  }

  /**
   * Whether a peer's send queue takes these bytes more; if not, the peer is closed as a slow
   * consumer and the bytes are recorded as dropped. An empty queue always takes one frame, so a
   * frame larger than the bound does not condemn a client that keeps up.
   */
  queueHasRoom(peer: Peer, bytes: Buffer): boolean {
    const queued = peer.transport.bufferedAmount;
    if (queued === 0 || queued + bytes.length <= this.maxQueueBytes) return true;
    peer.drops++;
    this.counters[peer.protocol].drops++;
    this.record('drop', peer.protocol, firstRoom(peer), 'relay', peer.id, 0, bytes.length, bytes, false, 1013, 'send queue full');
    this.close(peer, 1013, `send queue over ${this.maxQueueBytes} bytes: the client is not reading fast enough`);
    return false;
  }

  /**
   * Counts a frame from a client; the dialect then routes it or notes it. Returns false, having
   * closed the peer with 1008, when the frame is over the peer's rate limit: drop the frame.
   */
  received(peer: Peer, bytes: number): boolean {
    peer.received(bytes);
    const c = this.counters[peer.protocol];
    c.msgsIn++;
    c.bytesIn += bytes;
    if (this.buckets.get(peer)?.take() === false) {
      this.close(peer, 1008, `rate limit: over ${this.limits.ratePerSecond} messages a second (burst ${this.limits.rateBurst})`);
      return false;
    }
    return true;
  }

  private resolve(to: Target): Iterable<Peer> {
    if ('peer' in to) return [to.peer];
    if ('peers' in to) return to.peers;
    if ('id' in to) {
      const p = this.rooms.get(to.protocol)!.get(to.room)?.get(to.id);
      return p ? [p] : [];
    }
    const pool = 'everyone' in to ? this.byProtocol.get(to.protocol)!.values() : this.members(to.protocol, to.room);
    const { filter, except } = to;
    if (!filter && !except) return pool;
    const out: Peer[] = [];
    for (const p of pool) if (p !== except && (!filter || filter(p))) out.push(p);
    return out;
  }

  // ---- closing

  /** The relay closes a peer: it is told why, the console is told why, and it leaves at once. */
  close(peer: Peer, code: number, reason: string): void {
    if (peer.closing) return;
    peer.closing = true;
    this.closed(peer, code, reason, 'relay');
    peer.transport.close(code, reason);
  }

  /** The client closed or vanished. Safe to call after close(): a peer leaves once. */
  gone(peer: Peer, code: number, reason: string): void {
    if (peer.closing && !this.byKey.has(peer.key)) return;
    peer.closing = true;
    this.closed(peer, code, reason, 'client');
  }

  private closed(peer: Peer, code: number, reason: string, by: 'relay' | 'client'): void {
    if (!this.byKey.delete(peer.key)) return;
    this.byProtocol.get(peer.protocol)!.delete(peer.key);
    for (const room of [...peer.rooms]) this.leave(peer, room);
    this.counters[peer.protocol].connections--;
    this.closesByCode.set(code, (this.closesByCode.get(code) ?? 0) + 1);
    const shownReason = reason || (by === 'client' ? 'closed by the client' : '');
    this.record('close', peer.protocol, null, by === 'relay' ? 'relay' : peer.id, by === 'relay' ? peer.id : null, 0, 0, '', false, code, shownReason);
    this.log.add(code === 1000 || code === 1001 || code === 1005 ? 'info' : 'warn', 'close', `${peer.protocol} ${peer.id} closed by ${by}: ${code} ${shownReason}`, {
      protocol: peer.protocol,
      peer: peer.id,
      code,
      reason: shownReason,
    });
    for (const l of this.presence) l.left?.(peer, code, shownReason);
    this.departures.get(peer)?.();
  }

  /** Closes every peer with the same code and reason (shutdown). */
  closeAll(code: number, reason: string): void {
    for (const peer of [...this.byKey.values()]) this.close(peer, code, reason);
  }

  // ---- keepalive

  /** Pings peers silent past their policy's threshold and closes those silent past the next. */
  startKeepalive(tickMs: number): void {
    this.stopKeepalive();
    this.sweepTimer = setInterval(() => this.sweep(Date.now()), tickMs);
    this.sweepTimer.unref();
  }

  stopKeepalive(): void {
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.sweepTimer = undefined;
  }

  sweep(now: number): void {
    for (const peer of [...this.byKey.values()]) {
      const k = peer.keepalive;
      if (!k) continue;
      const silent = now - peer.lastSeen;
      // A peer is closed only after it was pinged and stayed silent, however the ticks fall.
      if (silent >= k.closeAfterMs && peer.pingedAt > peer.lastSeen) this.close(peer, k.closeCode, k.closeReason);
      else if (silent >= k.pingAfterMs) {
        peer.pingedAt = now;
        peer.transport.ping?.(k.pingPayload);
      }
    }
  }

  // ---- records

  private record(
    kind: TrafficKind,
    protocol: ProtocolName,
    room: string | null,
    from: string,
    to: string | null,
    recipients: number,
    size: number,
    frame: string | Buffer,
    binary = false,
    code?: number,
    reason?: string,
  ): void {
    const rec: NewRecord = { kind, protocol, room, from, to, recipients, size, frame, binary };
    if (code !== undefined) {
      rec.code = code;
      rec.reason = reason ?? '';
    }
    this.tap.push(rec);
  }
}

function targetProtocol(to: Target): ProtocolName {
  return 'peer' in to ? to.peer.protocol : to.protocol;
}

function firstRoom(peer: Peer | undefined): string | null {
  for (const r of peer?.rooms ?? []) return r;
  return null;
}

function byteLength(frame: string | Buffer): number {
  return typeof frame === 'string' ? Buffer.byteLength(frame) : frame.length;
}
