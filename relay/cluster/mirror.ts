import type { ProtocolName } from '../config/schema.js';
import type { PeerMeta, PeerView } from '../core/peer.js';

/** A peer as the cluster's registry knows it, on whichever node holds its socket. */
export class ClusterPeer implements PeerView {
  constructor(
    /** `<node>/<the node's own key>`: unique in the cluster. */
    readonly key: string,
    readonly node: string,
    readonly protocol: ProtocolName,
    readonly id: string,
    /** Rooms with the join sequence that orders them across nodes. */
    readonly rooms: Map<string, number>,
    /** Names it claimed (compendium's addresses). */
    readonly names: Set<string>,
    /** Whether its id is a room's number (spacewar). */
    readonly counted: boolean,
    public meta: PeerMeta,
    readonly remote: string,
    readonly connectedAt: number,
  ) {}

  /** The key its own node knows it by. */
  get localKey(): string {
    return this.key.slice(this.node.length + 1);
  }
}

export const clusterKey = (node: string, localKey: string): string => `${node}/${localKey}`;

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

/** A peer record as Redis stores it (see scripts.ts). Lua's cjson writes an empty list as {}. */
export interface PeerRecord {
  k: string;
  n: string;
  p: ProtocolName;
  i: string;
  r: [string, number][] | Record<string, never>;
  x?: string[] | Record<string, never>;
  q?: 1;
  m: string;
  a: string;
  t: number;
}

export type RegistryEvent =
  | { e: 'join'; s: number; peer: PeerRecord }
  | { e: 'leave'; s: number; k: string; c: number; w: string }
  | { e: 'enter'; s: number; k: string; room: string }
  | { e: 'exit'; s: number; k: string; room: string }
  | { e: 'meta'; s: number; k: string; m: string }
  | { e: 'claim'; s: number; k: string; name: string }
  | { e: 'release'; s: number; k: string; name: string }
  | { e: 'node'; s: number; n: string; peers: PeerRecord[] }
  | { e: 'gone'; s: number; n: string }
  | { e: 'beat'; n: string; info: NodeInfo };

export interface Snapshot {
  seq: number;
  nodes: { name: string; info: NodeInfo | undefined; peers: PeerRecord[] }[];
}

/**
 * What changed, in the order it did. A peer that comes brings its rooms as `entered` after
 * `joined`; one that goes leaves them as `exited` before `left`. An entry found by comparing
 * registries (a node registering again, a resync) is `late`: nobody here heard of it yet.
 */
export type Change =
  | { kind: 'joined'; peer: ClusterPeer }
  | { kind: 'entered'; peer: ClusterPeer; room: string; late?: boolean }
  | { kind: 'exited'; peer: ClusterPeer; room: string }
  | { kind: 'described'; peer: ClusterPeer }
  | { kind: 'left'; peer: ClusterPeer; code: number; reason: string };

const array = <T>(v: T[] | Record<string, never> | undefined): T[] => (Array.isArray(v) ? v : []);

export function toRecord(peer: ClusterPeer): PeerRecord {
  const rec: PeerRecord = { k: peer.key, n: peer.node, p: peer.protocol, i: peer.id, r: [...peer.rooms], x: [...peer.names], m: JSON.stringify(peer.meta), a: peer.remote, t: peer.connectedAt };
  if (peer.counted) rec.q = 1;
  return rec;
}

export function fromRecord(rec: PeerRecord): ClusterPeer {
  return new ClusterPeer(rec.k, rec.n, rec.p, rec.i, new Map(array(rec.r)), new Set(array(rec.x)), rec.q === 1, JSON.parse(rec.m) as PeerMeta, rec.a, rec.t);
}

const roomId = (protocol: ProtocolName, room: string): string => `${protocol}\n${room}`;

/**
 * This node's copy of the cluster registry, every node's peers included, kept in the order
 * Redis applied the changes. Routing, presence and lookups read it without a round trip.
 */
export class ClusterMirror {
  private readonly peers = new Map<string, ClusterPeer>();
  /** Members of each room by wire id, in cluster-wide join order. */
  private readonly rooms = new Map<string, Map<string, ClusterPeer>>();
  private readonly names = new Map<string, ClusterPeer>();
  private readonly byNode = new Map<string, Set<ClusterPeer>>();
  /** Every node known, with its last heartbeat's info (undefined until one came). */
  readonly nodes = new Map<string, NodeInfo | undefined>();
  /** The sequence of the last change applied. */
  seq = 0;
  /** Lookups waiting for a peer this mirror has not heard of yet, by its key. */
  private readonly awaited = new Map<string, Set<(peer: ClusterPeer | undefined) => void>>();

  peer(key: string): ClusterPeer | undefined {
    return this.peers.get(key);
  }

  /**
   * The peer with this key as soon as this mirror has it, or undefined after `withinMs`: Redis
   * can name a peer (a lookup's answer) before the event that brings it here has arrived.
   */
  whenKnown(key: string, withinMs: number): Promise<ClusterPeer | undefined> {
    const known = this.peers.get(key);
    if (known) return Promise.resolve(known);
    let waiters = this.awaited.get(key);
    if (!waiters) this.awaited.set(key, (waiters = new Set()));
    const mine = waiters;
    return new Promise((resolve) => {
      const done = (peer: ClusterPeer | undefined): void => {
        clearTimeout(timer);
        if (mine.delete(done) && mine.size === 0 && this.awaited.get(key) === mine) this.awaited.delete(key);
        resolve(peer);
      };
      const timer = setTimeout(done, withinMs, undefined);
      timer.unref();
      mine.add(done);
    });
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

  member(protocol: ProtocolName, room: string, id: string): ClusterPeer | undefined {
    return this.rooms.get(roomId(protocol, room))?.get(id);
  }

  named(protocol: ProtocolName, name: string): ClusterPeer | undefined {
    return this.names.get(roomId(protocol, name));
  }

  peersOf(node: string): IterableIterator<ClusterPeer> {
    return (this.byNode.get(node) ?? new Set<ClusterPeer>()).values();
  }

  /** Applies one event from the events channel; an event at or before the mirror's sequence is old news. */
  apply(event: RegistryEvent): Change[] {
    if (event.e === 'beat') {
      this.nodes.set(event.n, event.info);
      return [];
    }
    if (event.s <= this.seq) return [];
    this.seq = event.s;
    if (event.e === 'join') return this.add(fromRecord(event.peer), false);
    if (event.e === 'node') return this.replaceNode(event.n, event.peers.map(fromRecord), `node ${event.n} registered again`);
    if (event.e === 'gone') {
      const changes = this.replaceNode(event.n, [], `node ${event.n} left the cluster`);
      this.nodes.delete(event.n);
      return changes;
    }
    const peer = this.peers.get(event.k);
    if (!peer) return [];
    switch (event.e) {
      case 'leave':
        return this.remove(peer, event.c, event.w);
      case 'enter':
        peer.rooms.set(event.room, event.s);
        this.index(peer, event.room);
        return [{ kind: 'entered', peer, room: event.room }];
      case 'exit':
        return this.exit(peer, event.room) ? [{ kind: 'exited', peer, room: event.room }] : [];
      case 'meta':
        peer.meta = JSON.parse(event.m) as PeerMeta;
        return [{ kind: 'described', peer }];
      case 'claim':
        peer.names.add(event.name);
        this.names.set(roomId(peer.protocol, event.name), peer);
        return [];
      case 'release':
        peer.names.delete(event.name);
        if (this.named(peer.protocol, event.name) === peer) this.names.delete(roomId(peer.protocol, event.name));
        return [];
    }
  }

  /**
   * Takes a whole snapshot (at start, after Redis came back): the mirror becomes it, and the
   * differences come back as changes, so peers that came or went meanwhile are announced.
   */
  load(snapshot: Snapshot): Change[] {
    const fresh = new Map<string, ClusterPeer>();
    for (const node of snapshot.nodes) for (const rec of node.peers) fresh.set(rec.k, fromRecord(rec));
    const changes: Change[] = [];
    for (const peer of [...this.peers.values()]) {
      if (!fresh.has(peer.key)) changes.push(...this.remove(peer, 1001, 'gone from the cluster while this node was away from Redis'));
    }
    const ordered = [...fresh.values()].sort((a, b) => firstSeq(a) - firstSeq(b));
    const known = new Map(this.peers);
    this.peers.clear();
    this.rooms.clear();
    this.names.clear();
    this.byNode.clear();
    this.nodes.clear();
    for (const node of snapshot.nodes) this.nodes.set(node.name, node.info);
    for (const peer of ordered) {
      const was = known.get(peer.key);
      const added = this.add(peer, true);
      if (!was) changes.push(...added);
      else changes.push(...roomChanges(was, peer));
    }
    this.seq = snapshot.seq;
    return changes;
  }

  /** A node's peers are now these (it registered again, or is gone): the differences are changes. */
  private replaceNode(node: string, peers: ClusterPeer[], reason: string): Change[] {
    const changes: Change[] = [];
    const incoming = new Set(peers.map((p) => p.key));
    for (const peer of [...this.peersOf(node)]) if (!incoming.has(peer.key)) changes.push(...this.remove(peer, 1001, reason));
    for (const peer of peers) {
      const was = this.peers.get(peer.key);
      if (was) this.remove(was, 1001, reason);
      const added = this.add(peer, true);
      changes.push(...(was ? roomChanges(was, peer) : added));
    }
    if (!this.nodes.has(node)) this.nodes.set(node, undefined);
    return changes;
  }

  private add(peer: ClusterPeer, late: boolean): Change[] {
    this.peers.set(peer.key, peer);
    for (const resolve of this.awaited.get(peer.key) ?? []) resolve(peer);
    let mine = this.byNode.get(peer.node);
    if (!mine) this.byNode.set(peer.node, (mine = new Set()));
    mine.add(peer);
    if (!this.nodes.has(peer.node)) this.nodes.set(peer.node, undefined);
    for (const name of peer.names) this.names.set(roomId(peer.protocol, name), peer);
    const changes: Change[] = [{ kind: 'joined', peer }];
    for (const room of peer.rooms.keys()) {
      this.index(peer, room);
      changes.push(late ? { kind: 'entered', peer, room, late } : { kind: 'entered', peer, room });
    }
    return changes;
  }

  private index(peer: ClusterPeer, room: string): void {
    const id = roomId(peer.protocol, room);
    let members = this.rooms.get(id);
    if (!members) this.rooms.set(id, (members = new Map()));
    members.set(peer.id, peer);
  }

  private exit(peer: ClusterPeer, room: string): boolean {
    if (!peer.rooms.delete(room)) return false;
    const id = roomId(peer.protocol, room);
    const members = this.rooms.get(id);
    if (members?.get(peer.id) === peer) members.delete(peer.id);
    if (members?.size === 0) this.rooms.delete(id);
    return true;
  }

  private remove(peer: ClusterPeer, code: number, reason: string): Change[] {
    const changes: Change[] = [];
    for (const room of [...peer.rooms.keys()]) {
      this.exit(peer, room);
      changes.push({ kind: 'exited', peer, room });
      // The record keeps its rooms: whoever hears of its departure may ask where it was.
      peer.rooms.set(room, 0);
    }
    for (const name of peer.names) if (this.named(peer.protocol, name) === peer) this.names.delete(roomId(peer.protocol, name));
    this.peers.delete(peer.key);
    this.byNode.get(peer.node)?.delete(peer);
    changes.push({ kind: 'left', peer, code, reason });
    return changes;
  }
}

/** The rooms a peer entered and exited between two records of it. */
function roomChanges(was: ClusterPeer, now: ClusterPeer): Change[] {
  const changes: Change[] = [];
  for (const room of was.rooms.keys()) if (!now.rooms.has(room)) changes.push({ kind: 'exited', peer: now, room });
  for (const room of now.rooms.keys()) if (!was.rooms.has(room)) changes.push({ kind: 'entered', peer: now, room, late: true });
  return changes;
}

function firstSeq(peer: ClusterPeer): number {
  let min = Infinity;
  for (const seq of peer.rooms.values()) min = Math.min(min, seq);
  return min === Infinity ? 0 : min;
}
