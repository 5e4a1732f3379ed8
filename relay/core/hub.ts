import type { ProtocolName } from '../config/schema.js';
import { PROTOCOLS } from '../config/schema.js';
import type { EventLog } from './log.js';
import type { Observers } from './observe.js';
import { Peer, type PeerInit, type PeerMeta } from './peer.js';

/**
 * Hears the registry change. The bus listens (a cluster bus tells the other nodes), and so does
 * the console. Rooms come and go with `entered` and `exited`; a peer that leaves exits its
 * rooms first, then `left` is called.
 */
export interface PresenceListener {
  joined?(peer: Peer): void;
  entered?(peer: Peer, room: string): void;
  exited?(peer: Peer, room: string): void;
  /** Its metadata changed (Hub.describe). */
  described?(peer: Peer): void;
  left?(peer: Peer, code: number, reason: string): void;
}

/**
 * The registry of this node: every peer by a process-wide key, every room as an
 * insertion-ordered map from wire id to peer (per protocol, so rooms of two protocols never
 * meet), presence, and closing. It sends nothing itself: routing, delivery and keepalive do.
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
  readonly closesByCode = new Map<number, number>();

  constructor(
    readonly observers: Observers,
    readonly log: EventLog,
    private readonly maxRooms = Number.MAX_SAFE_INTEGER,
  ) {}

  // ---- peers and rooms

  /** Registers a connected client. `onGone` runs once when it leaves, however it leaves. */
  connect(init: PeerInit, onGone?: (peer: Peer) => void): Peer {
    const peer = new Peer(init);
    this.byKey.set(peer.key, peer);
    this.byProtocol.get(peer.protocol)!.set(peer.key, peer);
    if (onGone) this.departures.set(peer, () => onGone(peer));
    this.observers.opened({ peer, handshake: init.handshake });
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
    for (const l of this.presence) l.entered?.(peer, room);
    return true;
  }

  /** Why joining all these rooms at once would open rooms over the limit, or undefined if it would not. */
  roomsRefused(protocol: ProtocolName, rooms: Iterable<string>): string | undefined {
    const fresh = new Set<string>();
    const open = this.rooms.get(protocol)!;
    for (const room of rooms) if (!open.has(room)) fresh.add(room);
    if (fresh.size === 0 || this.roomCount + fresh.size <= this.maxRooms) return undefined;
    return `room limit reached: ${this.roomCount} of at most ${this.maxRooms} rooms are open and this would open ${fresh.size} more`;
  }

  leave(peer: Peer, room: string): void {
    if (!peer.rooms.delete(room)) return;
    const rooms = this.rooms.get(peer.protocol)!;
    const members = rooms.get(room);
    if (members?.get(peer.id) === peer) members.delete(peer.id);
    if (members?.size === 0) {
      rooms.delete(room);
      this.roomCount--;
    }
    for (const l of this.presence) l.exited?.(peer, room);
  }

  /** Changes a peer's metadata, and tells the listeners. */
  describe(peer: Peer, meta: PeerMeta): void {
    peer.meta = meta;
    for (const l of this.presence) l.described?.(peer);
  }

  /** The member of a room with this wire id. */
  member(protocol: ProtocolName, room: string, id: string): Peer | undefined {
    return this.rooms.get(protocol)!.get(room)?.get(id);
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

  /** Peers connected, in all or in one protocol. */
  count(protocol?: ProtocolName): number {
    return protocol ? this.byProtocol.get(protocol)!.size : this.byKey.size;
  }

  get size(): number {
    return this.byKey.size;
  }

  onPresence(listener: PresenceListener): () => void {
    this.presence.add(listener);
    return () => this.presence.delete(listener);
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
    this.closesByCode.set(code, (this.closesByCode.get(code) ?? 0) + 1);
    const shownReason = reason || (by === 'client' ? 'closed by the client' : '');
    this.observers.closed({ peer, code, reason: shownReason, by });
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
}
