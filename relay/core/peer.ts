import type { ProtocolName } from '../config/schema.js';

/** The socket (or long-poll queue) behind a peer. Frames are always sent as text. */
export interface Transport {
  send(frame: Buffer): void;
  close(code: number, reason: string): void;
  /** Bytes handed to send() that are not yet written to the network. */
  readonly bufferedAmount: number;
  /** Offers what send() has held back (corked) to the network now. */
  flush?(): void;
  /** Sends a protocol-level ping, where the transport has one. */
  ping?(payload: string): void;
}

/** How a protocol keeps idle peers alive: ping after a silence, close after a longer one. */
export interface KeepalivePolicy {
  pingAfterMs: number;
  closeAfterMs: number;
  pingPayload: string;
  closeCode: number;
  closeReason: string;
}

export interface PeerInit {
  protocol: ProtocolName;
  /** The id the protocol's clients see, fixed for the peer's life: rooms are keyed by it. */
  id: string;
  transport: Transport;
  remote: string;
  meta?: PeerMeta;
  keepalive?: KeepalivePolicy;
  /** What the client asked for when it opened: handed to the observers, not kept on the peer. */
  handshake?: Handshake;
}

/** The parts of an opening request that say what a client asked for. */
export interface Handshake {
  path: string;
  /** The query string without its "?", as sent. */
  query: string;
  /** The headers a protocol or the relay reads (see HANDSHAKE_HEADERS), lowercase names. */
  headers: Readonly<Record<string, string>>;
}

export type PeerMeta = string | Readonly<Record<string, unknown>>;

/**
 * A peer as every node of the relay knows it: what the registry keeps. A local Peer is one; a
 * cluster bus makes them for peers held by other nodes. Filters and per-recipient frames see
 * only this, so they work on remote peers alike.
 */
export interface PeerView {
  /** Unique across every node. */
  readonly key: string;
  readonly id: string;
  readonly protocol: ProtocolName;
  readonly meta: PeerMeta;
}

export interface PeerStats {
  msgsIn: number;
  msgsOut: number;
  bytesIn: number;
  bytesOut: number;
  drops: number;
}

let nextKey = 1;

/** One connected client: what the hub routes to, and the counters the console shows. */
export class Peer implements PeerStats, PeerView {
  /** Unique for the life of the process, whatever the protocol's ids look like. */
  readonly key = `p${nextKey++}`;
  readonly protocol: ProtocolName;
  readonly id: string;
  /** Changed only through Hub.describe, so the bus hears of it. */
  meta: PeerMeta;
  readonly remote: string;
  readonly connectedAt = Date.now();
  readonly transport: Transport;
  readonly keepalive: KeepalivePolicy | undefined;
  /** Rooms, groups or channels this peer is in. */
  readonly rooms = new Set<string>();
  lastSeen = Date.now();
  /** When the keepalive last pinged it; 0 for never. */
  pingedAt = 0;
  /** Set once the relay or the client has started closing; nothing more is sent. */
  closing = false;
  msgsIn = 0;
  msgsOut = 0;
  bytesIn = 0;
  bytesOut = 0;
  drops = 0;

  constructor(init: PeerInit) {
    this.protocol = init.protocol;
    this.id = init.id;
    this.transport = init.transport;
    this.remote = init.remote;
    this.meta = init.meta ?? {};
    this.keepalive = init.keepalive;
  }

  /** Counts a frame from the client and marks it alive. */
  received(bytes: number): void {
    this.msgsIn++;
    this.bytesIn += bytes;
    this.lastSeen = Date.now();
  }
}
