import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Secrets } from '../config/secrets.js';
import type { Later } from '../core/bus.js';
import type { Config, ProtocolName } from '../config/schema.js';
import type { Core } from '../core/core.js';
import type { Handshake, KeepalivePolicy, Peer, PeerMeta, Transport } from '../core/peer.js';
import type { FrameHandler } from '../core/socket.js';

/** What every dialect is given: the relay's core, its settings, and the one connection place. */
export interface DialectContext extends Core {
  config: Config;
  /** Read at each use, not copied: they change when the relay moves onto the LAN (relay/config/secrets.ts). */
  secrets: Secrets;
  connections: Connections;
}

/** What a protocol reads from an upgrade before it is accepted, for the relay's limits to judge. */
export interface UpgradeAsk {
  /** Rooms the client joins on connecting. */
  rooms?: string[];
  /** Size of the metadata it brings, in bytes. */
  metaBytes?: number;
}

/**
 * A WebSocket the server has accepted for a protocol, as the dialect sees it: the server has
 * settled the client's address (behind trusted proxies) and will build the transport, connect
 * the peer and bind the socket once the dialect says who the peer is.
 */
export interface Arrival {
  url: URL;
  /** The request target exactly as sent (path and query, not decoded), less a `token` the relay took. */
  target: string;
  /** Every header by lowercase name, each value as sent (IncomingMessage.headersDistinct). */
  headers: Readonly<Record<string, readonly string[] | undefined>>;
  remote: string;
  handshake: Handshake;
}

/** A new peer: the server connects it with this id, then calls `open`. */
export interface Welcome {
  /** The wire id, fixed for the peer's life. */
  id: string;
  meta?: PeerMeta;
  keepalive?: KeepalivePolicy;
  /** Runs once the peer is connected (it joins its rooms, is greeted); returns the handler of its frames. */
  open(peer: Peer): FrameHandler;
  /** Runs once when the peer has left, however it left, even while it was opening. */
  gone?(peer: Peer): void;
}

/**
 * A socket for a peer that stands already (channelstream's connection, made by /connect): the
 * server attaches it to the link in place of any other socket, then calls `open`. When the
 * socket closes while it is still the link's, the peer is gone with it.
 */
export interface Attachment {
  link: PeerLink;
  /** Runs once the socket is attached (the client is caught up); returns the handler of its frames. */
  open(peer: Peer): FrameHandler;
}

/** A socket the protocol will not serve: it opens as a peer with this id and is closed at once, so the console sees why. */
export interface Refusal {
  id: string;
  refuse: { code: number; reason: string };
}

export type Reception = Welcome | Attachment | Refusal;

/**
 * A peer that lives on while its transports come and go: made before any socket, read by a
 * WebSocket or by one long poll after another (channelstream). The connection place holds it
 * and attaches the transports; the dialect reads what is attached.
 */
export interface PeerLink {
  readonly peer: Peer;
  /** Whether a transport is attached: a socket, or a long poll. */
  readonly attached: boolean;
  /** The socket attached, if any. */
  readonly socket: Transport | undefined;
  /** When the attached socket last showed it was alive: attached, sent a frame, answered a ping. */
  readonly heardAt: number;
}

/** A peer made without a transport: the connection place connects it with this id. */
export interface Standing {
  protocol: ProtocolName;
  /** The wire id, fixed for the peer's life. */
  id: string;
  meta?: PeerMeta;
  /** Runs after each frame written to the attached socket. */
  sent?(): void;
  /** Runs once when the peer has left, however it left. */
  gone?(peer: Peer): void;
}

/** A long poll: the transport of one HTTP request, attached to a link until it answers. */
export interface LongPoll {
  /** Waits up to `waitMs` for a frame, then gathers while frames keep coming less than `gatherMs` apart. */
  collect(waitMs: number, gatherMs: number): Promise<Buffer[]>;
}

/**
 * The one connection place (relay/http/connection.ts), for the connections a protocol makes
 * outside a WebSocket upgrade; sockets come to the dialect through `receive`.
 */
export interface Connections {
  /** Settles the address of the client that made `req`, connects a peer with no transport yet and returns its link. */
  standing(req: IncomingMessage, standing: Standing): PeerLink;
  /** Attaches a long poll to a link, answering the one still waiting, if any. */
  poll(link: PeerLink): LongPoll;
}

/** Who an operator's message goes to. `peer` is the hub's peer key. */
export type InjectTarget =
  | { kind: 'peer'; peer: string }
  | { kind: 'room'; room: string; filter?: string }
  | { kind: 'everyone' };

/** An operator request the protocol cannot carry: the console shows the message. */
export class InjectError extends Error {
  override name = 'InjectError';
}

/**
 * One wire protocol. A dialect owns its frames, ids, handshake and quirks; it asks the hub to
 * route, and never decides isolation itself.
 */
export interface Dialect {
  readonly protocol: ProtocolName;
  /** The largest message a client may send; over it the socket is closed with 1009. */
  readonly maxPayload: number;
  /** Whether an upgrade or request at this path belongs to this protocol on a shared port. */
  claims(url: URL): boolean;
  /** What an upgrade asks for (rooms, metadata), read before it is accepted so the relay's limits can refuse it. */
  inspectUpgrade?(arrival: Arrival): UpgradeAsk;
  /** Says who an accepted socket is: a new peer, a socket for an existing one, or a refusal. */
  receive(arrival: Arrival): Later<Reception>;
  /** Plain HTTP requests the protocol serves (a REST API); returns false when the path is not its own. */
  handleHttp?(req: IncomingMessage, res: ServerResponse, url: URL): boolean;
  /** Sends an operator's message in the protocol's own shape; returns how many peers received it. */
  inject(target: InjectTarget, payload: string): number;
  /** A template for the console's composer. */
  readonly injectTemplate: string;
  /** What an operator's payload is: a JSON value, or free text (spacewar's "<type> <data>"). */
  readonly injectFormat: 'json' | 'text';
  stop?(): void;
}
