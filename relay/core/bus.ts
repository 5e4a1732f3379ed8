import type { ProtocolName } from '../config/schema.js';
import type { PresenceListener } from './hub.js';
import type { Peer, PeerView } from './peer.js';

/**
 * Who a frame goes to. Every form stays inside one protocol; rooms isolate within it. Filters
 * and per-recipient frames see a PeerView, so a cluster bus can apply them to peers held by
 * other nodes from its registry.
 */
export type Target =
  /** One peer the dialect already holds. */
  | { peer: Peer }
  /** The peer with this registry key, on whichever node holds it. */
  | { protocol: ProtocolName; key: string }
  /** The peer with this wire id in this room, and no other: ids in other rooms are unreachable. */
  | { protocol: ProtocolName; room: string; id: string }
  /** Every member of a room that passes the filter, except one (usually the sender), in join order. */
  | { protocol: ProtocolName; room: string; filter?: (p: PeerView) => boolean; except?: PeerView }
  /** Every peer of a protocol that passes the filter. */
  | { protocol: ProtocolName; everyone: true; filter?: (p: PeerView) => boolean; except?: PeerView }
  /** An explicit set of peers, chosen by the dialect's own rules. */
  | { peers: Iterable<PeerView>; protocol: ProtocolName; room?: string };

/** The bytes to send: one frame for every recipient, or one made for each (frames that name it). */
export type OutFrame = Buffer | ((recipient: PeerView) => string | Buffer);

/** Who a frame went to, in the order it was handed to them, and the bytes each got. */
export interface Sent {
  recipients: PeerView[];
  /** The shared frame, or each recipient's own in the order of `recipients`. */
  frame: Buffer | Buffer[];
}

/**
 * Hears peers enter and leave the rooms of one protocol, on every node, in the one order the
 * whole relay agrees on: what a dialect tells its own peers about the others (joins, quits)
 * comes from here. A cluster bus calls it as the cluster's registry changes, this node's
 * peers included (a local peer is given as its Peer); the in-process bus calls it as the hub
 * changes.
 */
export interface RoomWatcher {
  /**
   * `late`: the cluster learnt of this entry by comparing registries after an outage, so every
   * member here is to be told, not only those that came before it.
   */
  entered?(peer: PeerView, room: string, late: boolean): void;
  exited?(peer: PeerView, room: string): void;
}

/** Whether the bus reaches every node: a cluster node that lost its broker is `degraded` but serves its own peers. */
export interface BusStatus {
  status: 'ok' | 'degraded';
  /** This node's name, in a cluster. */
  node?: string;
  /** Why it is degraded, or what it last did. */
  detail?: string;
  /** The cluster's nodes as this node last heard of them. */
  nodes?: { name: string; peers: number; urls: string[]; msgsPerSecond: number; lastHeartbeat: number | null }[];
}

/** A value now, or later when it must come from another node. Callers take it with `whenReady`. */
export type Later<T> = T | Promise<T>;

/**
 * The seam between routing and where peers live. Routing hands every frame to the bus; the bus
 * resolves the target and hands the frame to each recipient: this node's peers through Delivery
 * at once, other nodes' (for a cluster bus) through its broker, encoded once and published once
 * per destination node. The in-process bus (InProcessBus) is the default and is always in the
 * path, as centrifuge's memory broker is.
 *
 * The bus hears the registry change as a PresenceListener (joined, entered, exited, described,
 * left), which is what a cluster bus publishes to keep the cluster's registry of peers: wire
 * ids, rooms, metadata and node.
 *
 * `send` is synchronous: it is the path of every message. What a remote bus can only answer
 * after a round trip (the members of a room on every node, numbers and names that must be
 * unique across nodes) is `Later`: the in-process bus answers at once, so the local path pays
 * nothing, and a frame handler that must wait returns a promise, which holds that peer's next
 * frames until it settles (bindSocket).
 */
export interface Bus extends PresenceListener {
  send(to: Target, frame: OutFrame): Sent;
  /** The members of a room on every node, in the order they joined (msg-relay's list_peers). */
  members(protocol: ProtocolName, room: string): Later<PeerView[]>;
  /** The next number of a room: 1 when the room is empty on every node (spacewar's ids). */
  number(protocol: ProtocolName, room: string): Later<number>;
  /** Makes a peer findable by a name from every node (compendium's addresses), until released. */
  claim(peer: Peer, name: string): void;
  release(peer: Peer, name: string): void;
  /** The peer that claimed a name, on whichever node holds it; route to it by its key. */
  named(protocol: ProtocolName, name: string): Later<PeerView | undefined>;
  /** The peer with this registry key, on whichever node holds it (the console's kick and inject). */
  peer(key: string): PeerView | undefined;
  /** Tells the watcher of every room change of a protocol, from now on; returns the function that stops it. */
  watch(protocol: ProtocolName, watcher: RoomWatcher): () => void;
  status(): BusStatus;
  /** Leaves the cluster; the in-process bus has nothing to do. */
  close(): Later<void>;
}

/** Runs `then` with a Later's value: at once when it is there, when it comes otherwise. */
export function whenReady<T, R>(value: Later<T>, then: (v: T) => R): Later<R> {
  return value instanceof Promise ? value.then(then) : then(value);
}
