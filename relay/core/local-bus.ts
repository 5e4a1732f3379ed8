import type { ProtocolName } from '../config/schema.js';
import { PROTOCOLS } from '../config/schema.js';
import { RoomWatchers } from './watchers.js';
import type { Bus, BusStatus, OutFrame, RoomWatcher, Sent, Target } from './bus.js';
import type { Delivery } from './delivery.js';
import type { Hub } from './hub.js';
import type { Peer, PeerView } from './peer.js';

const perProtocol = <V>(): Map<ProtocolName, Map<string, V>> => new Map(PROTOCOLS.map((p) => [p, new Map<string, V>()]));

/**
 * The bus of a relay that is one process: every recipient is a peer of this hub. It answers
 * everything at once. A cluster bus does the same for its own node's peers (localRecipients)
 * and carries the rest to the nodes that hold them.
 */
export class InProcessBus implements Bus {
  /** Names claimed by peers (compendium's addresses), per protocol. */
  private readonly names = perProtocol<Peer>();
  /** The next number of each room that has members, or was just given a first one. */
  private readonly numbers = perProtocol<number>();
  /** Rooms given a number while empty and not yet entered: forgotten if the peer never gets in. */
  private readonly unentered = new Set<[ProtocolName, string]>();
  private readonly watchers = new RoomWatchers();

  constructor(
    private readonly hub: Hub,
    private readonly delivery: Delivery,
  ) {
    hub.onPresence(this);
  }

  send(to: Target, frame: OutFrame): Sent {
    const recipients: PeerView[] = [];
    if (typeof frame === 'function') {
      const frames: Buffer[] = [];
      for (const peer of localRecipients(this.hub, to)) {
        const made = frame(peer);
        const bytes = typeof made === 'string' ? Buffer.from(made) : made;
        if (!this.delivery.deliver(peer, bytes)) continue;
        recipients.push(peer);
        frames.push(bytes);
      }
      return { recipients, frame: frames };
    }
    for (const peer of localRecipients(this.hub, to)) if (this.delivery.deliver(peer, frame)) recipients.push(peer);
    return { recipients, frame };
  }

  members(protocol: ProtocolName, room: string): PeerView[] {
    return [...this.hub.members(protocol, room)];
  }

  number(protocol: ProtocolName, room: string): number {
    const numbers = this.numbers.get(protocol)!;
    const empty = this.hub.roomSize(protocol, room) === 0;
    const n = empty ? 1 : (numbers.get(room) ?? 1);
    numbers.set(room, n + 1);
    if (empty) this.unentered.add([protocol, room]);
    return n;
  }

  claim(peer: Peer, name: string): void {
    this.names.get(peer.protocol)!.set(name, peer);
  }

  release(peer: Peer, name: string): void {
    const names = this.names.get(peer.protocol)!;
    if (names.get(name) === peer) names.delete(name);
  }

  named(protocol: ProtocolName, name: string): Peer | undefined {
    return this.names.get(protocol)!.get(name);
  }

  peer(key: string): Peer | undefined {
    return this.hub.peer(key);
  }

  watch(protocol: ProtocolName, watcher: RoomWatcher): () => void {
    return this.watchers.add(protocol, watcher);
  }

  status(): BusStatus {
    return { status: 'ok' };
  }

  close(): void {}

  entered(peer: Peer, room: string): void {
    for (const u of this.unentered) if (u[0] === peer.protocol && u[1] === room) this.unentered.delete(u);
    this.watchers.entered(peer, room);
  }

  exited(peer: Peer, room: string): void {
    if (this.hub.roomSize(peer.protocol, room) === 0) this.numbers.get(peer.protocol)!.delete(room);
    this.watchers.exited(peer, room);
  }

  left(): void {
    for (const u of this.unentered) {
      if (this.hub.roomSize(u[0], u[1]) === 0) this.numbers.get(u[0])!.delete(u[1]);
      this.unentered.delete(u);
    }
  }
}

/**
 * The peers of this node a target reaches, in delivery order. An unfiltered room or protocol is
 * walked as it is, without a copy.
 */
export function localRecipients(hub: Hub, to: Target): Iterable<Peer> {
  if ('peer' in to) return [to.peer];
  if ('peers' in to) return localOnly(hub, to.peers);
  if ('key' in to) {
    const p = hub.peer(to.key);
    return p && p.protocol === to.protocol ? [p] : [];
  }
  if ('id' in to) {
    const p = hub.member(to.protocol, to.room, to.id);
    return p ? [p] : [];
  }
  const pool = 'everyone' in to ? hub.peers(to.protocol) : hub.members(to.protocol, to.room);
  const { filter, except } = to;
  if (!filter && !except) return pool;
  const out: Peer[] = [];
  for (const p of pool) if (p !== except && (!filter || filter(p))) out.push(p);
  return out;
}

/** The peers of a set that this hub holds: a set a dialect chose may name peers of other nodes. */
function localOnly(hub: Hub, peers: Iterable<PeerView>): Iterable<Peer> {
  const out: Peer[] = [];
  for (const p of peers) {
    const mine = hub.peer(p.key);
    if (mine === p) out.push(mine);
  }
  return out;
}
