import type { ProtocolName } from '../config/schema.js';

/** A peer as the cluster knows it, on whichever node holds its socket. */
export interface ClusterPeer {
  /** `<node>/<local key>`: unique in the cluster. */
  readonly key: string;
  readonly node: string;
  readonly protocol: ProtocolName;
  readonly id: string;
  /** Rooms with the join sequence that orders them across nodes. */
  readonly rooms: ReadonlyMap<string, number>;
  /** Whether the id came from its room's counter (spacewar). */
  readonly counted: boolean;
  readonly meta: unknown;
  readonly remote: string;
  readonly connectedAt: number;
}

/** What a node publishes with each heartbeat, for the console's Overview. */
export interface NodeInfo {
  name: string;
  urls: string[];
  peers: number;
  msgsPerSecond: number;
  startedAt: number;
  /** When the node sent this heartbeat (its clock). */
  at: number;
}

/** A peer record as Redis stores it (see scripts.ts). */
export interface PeerRecord {
  k: string;
  n: string;
  p: ProtocolName;
  i: string;
  r: [string, number][] | Record<string, never>;
  q?: 1;
  m: string;
  a: string;
  t: number;
}

export type RegistryEvent =
  | { e: 'join'; s: number; peer: PeerRecord }
  | { e: 'leave'; s: number; k: string; n: string; c: number; w: string }
  | { e: 'node'; s: number; n: string; peers: PeerRecord[] }
  | { e: 'gone'; s: number; n: string }
  | { e: 'beat'; n: string; info: NodeInfo };

export interface Snapshot {
  seq: number;
  nodes: { name: string; info: NodeInfo | undefined; peers: PeerRecord[] }[];
}

/**
 * A peer came or went. `told` is whether its node announced it to every room (a join or a
 * leave it routed itself); otherwise (a node that died, changes found on resync) each node
 * tells its own peers.
 */
export type Change = { joined: ClusterPeer; told: boolean } | { left: ClusterPeer; code: number; reason: string; told: boolean };

export function toRecord(peer: ClusterPeer): PeerRecord {
  const rec: PeerRecord = { k: peer.key, n: peer.node, p: peer.protocol, i: peer.id, r: [...peer.rooms], m: JSON.stringify(peer.meta), a: peer.remote, t: peer.connectedAt };
  if (peer.counted) rec.q = 1;
  return rec;
}

export function fromRecord(rec: PeerRecord): ClusterPeer {
  // Lua's cjson writes an empty list as {}.
  const rooms = Array.isArray(rec.r) ? rec.r : [];
  return { key: rec.k, node: rec.n, protocol: rec.p, id: rec.i, rooms: new Map(rooms), counted: rec.q === 1, meta: JSON.parse(rec.m) as unknown, remote: rec.a, connectedAt: rec.t };
}

const seqIn = (peer: ClusterPeer, room: string): number => peer.rooms.get(room) ?? 0;

/**
 * This node's copy of the cluster registry, every node's peers included, kept in the order
 * Redis applied the changes. Routing and presence read it without a round trip to Redis.
 */
export class ClusterMirror {
  private readonly peers = new Map<string, ClusterPeer>();
  /** Members of each room in cluster-wide join order. */
  private readonly rooms = new Map<string, Map<string, ClusterPeer>>();
  private readonly byNode = new Map<string, Set<string>>();
  readonly nodes = new Map<string, NodeInfo | undefined>();
  /** The sequence of the last change applied. */
  seq = 0;

  peer(key: string): ClusterPeer | undefined {
    return this.peers.get(key);
  }

  get size(): number {
    return this.peers.size;
  }

  all(): IterableIterator<ClusterPeer> {
    return this.peers.values();
  }

  members(protocol: ProtocolName, room: string): IterableIterator<ClusterPeer> {
    return (this.rooms.get(roomId(protocol, room)) ?? new Map<string, ClusterPeer>()).values();
  }

  roomSize(protocol: ProtocolName, room: string): number {
    return this.rooms.get(roomId(protocol, room))?.size ?? 0;
  }

  peersOf(node: string): number {
    return this.byNode.get(node)?.size ?? 0;
  }

  /** Applies one event from the events channel; events at or before the mirror's sequence are old news. */
  apply(event: RegistryEvent): Change[] {
    if (event.e === 'beat') {
      this.nodes.set(event.n, event.info);
      return [];
    }
    if (event.s <= this.seq) return [];
    this.seq = event.s;
    switch (event.e) {
      case 'join': {
        const peer = fromRecord(event.peer);
        this.nodes.set(peer.node, this.nodes.get(peer.node));
        this.add(peer);
        return [{ joined: peer, told: true }];
      }
      case 'leave': {
        const peer = this.remove(event.k);
        return peer ? [{ left: peer, code: event.c, reason: event.w, told: true }] : [];
      }
      case 'node':
        return this.replaceNode(event.n, event.peers.map(fromRecord));
      case 'gone': {
        const changes = this.replaceNode(event.n, [], `node ${event.n} left the cluster`);
        this.nodes.delete(event.n);
        return changes;
      }
    }
  }

  /**
   * Takes a whole snapshot (at start, after Redis came back): the mirror becomes it, and the
   * differences are returned as changes, so peers that came or went meanwhile are announced.
   */
  load(snapshot: Snapshot): Change[] {
    const fresh = new Map<string, ClusterPeer>();
    for (const node of snapshot.nodes) for (const rec of node.peers) fresh.set(rec.k, fromRecord(rec));
    const changes: Change[] = [];
    for (const peer of this.peers.values()) if (!fresh.has(peer.key)) changes.push({ left: peer, code: 1001, reason: 'gone from the cluster while this node was away', told: false });
    const ordered = [...fresh.values()].sort((a, b) => firstSeq(a) - firstSeq(b));
    const before = new Set(this.peers.keys());
    this.peers.clear();
    this.rooms.clear();
    this.byNode.clear();
    this.nodes.clear();
    for (const node of snapshot.nodes) this.nodes.set(node.name, node.info);
    for (const peer of ordered) {
      this.add(peer);
      if (!before.has(peer.key)) changes.push({ joined: peer, told: false });
    }
    this.seq = snapshot.seq;
    return changes;
  }

  private replaceNode(node: string, peers: ClusterPeer[], reason = `node ${node} registered again`): Change[] {
    const changes: Change[] = [];
    const incoming = new Set(peers.map((p) => p.key));
    for (const key of [...(this.byNode.get(node) ?? [])]) {
      if (incoming.has(key)) continue;
      const peer = this.remove(key)!;
      changes.push({ left: peer, code: 1001, reason, told: false });
    }
    for (const peer of peers) {
      const known = this.peers.has(peer.key);
      if (known) this.remove(peer.key);
      this.add(peer);
      if (!known) changes.push({ joined: peer, told: false });
    }
    if (peers.length > 0 || !this.nodes.has(node)) this.nodes.set(node, this.nodes.get(node));
    return changes;
  }

  private add(peer: ClusterPeer): void {
    this.peers.set(peer.key, peer);
    let mine = this.byNode.get(peer.node);
    if (!mine) this.byNode.set(peer.node, (mine = new Set()));
    mine.add(peer.key);
    for (const room of peer.rooms.keys()) {
      const id = roomId(peer.protocol, room);
      let members = this.rooms.get(id);
      if (!members) this.rooms.set(id, (members = new Map()));
      members.set(peer.key, peer);
    }
  }

  private remove(key: string): ClusterPeer | undefined {
    const peer = this.peers.get(key);
    if (!peer) return undefined;
    this.peers.delete(key);
    this.byNode.get(peer.node)?.delete(key);
    for (const room of peer.rooms.keys()) {
      const id = roomId(peer.protocol, room);
      const members = this.rooms.get(id);
      members?.delete(key);
      if (members?.size === 0) this.rooms.delete(id);
    }
    return peer;
  }
}

const roomId = (protocol: ProtocolName, room: string): string => `${protocol}\n${room}`;

function firstSeq(peer: ClusterPeer): number {
  let min = Infinity;
  for (const room of peer.rooms.keys()) min = Math.min(min, seqIn(peer, room));
  return min === Infinity ? 0 : min;
}
