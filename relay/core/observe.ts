import type { ProtocolName } from '../config/schema.js';
import type { Handshake, Peer, PeerView } from './peer.js';

/** Who a frame comes from: a client, the relay itself, or the console's operator. */
export type Origin = Peer | 'relay' | 'operator';

export interface OpenEvent {
  peer: Peer;
  /** What the client asked for, when it opened a socket or a long poll of its own. */
  handshake: Handshake | undefined;
}

export interface CloseEvent {
  peer: Peer;
  code: number;
  /** Never empty: a client that gave no reason is said to have closed. */
  reason: string;
  by: 'relay' | 'client';
}

/** A client frame the relay did not forward: it answered it, ignored it, or refused it. */
export interface InboundEvent {
  peer: Peer;
  /** The whole frame as received. */
  frame: string | Buffer;
  /** What it was addressed to: "relay" for a command, an id nobody holds, or null. */
  to: string | null;
  /** Set when the relay refused the frame and closed the peer for it. */
  refused?: { code: number; reason: string };
}

/**
 * A frame the relay sent, to every recipient at once: one event per routing, however many
 * received it. When it forwards a client's frame, `inbound` is that frame as the client sent it.
 */
export interface SentEvent {
  origin: Origin;
  protocol: ProtocolName;
  room: string | null;
  /** The id the frame was addressed to, when its target named one. */
  to: string | null;
  inbound: string | Buffer | undefined;
  /** Who received it, in the order it was handed to them. */
  recipients: readonly PeerView[];
  /** The bytes sent: one frame for all, or each recipient's own, in the order of `recipients`. */
  frame: Buffer | readonly Buffer[];
}

/** A frame a peer's full send queue would not take: the peer is closed with `code`. */
export interface DropEvent {
  peer: Peer;
  frame: Buffer;
  code: number;
  reason: string;
}

/** A call to a protocol's HTTP API (channelstream's REST API, through which its backend sends), with its answer. */
export interface RequestEvent {
  protocol: ProtocolName;
  method: string;
  path: string;
  /** The query string without its "?". */
  query: string;
  remote: string;
  body: string;
  status: number;
  response: string;
}

/**
 * What happens on the relay's sockets, told as it happens. The traffic tap is one observer; a
 * capture or metrics are others. Observers only watch: they are called synchronously on the
 * send path, so they must be quick and must not send or close anything themselves.
 */
export interface RelayObserver {
  opened?(e: OpenEvent): void;
  closed?(e: CloseEvent): void;
  inbound?(e: InboundEvent): void;
  sent?(e: SentEvent): void;
  dropped?(e: DropEvent): void;
  requested?(e: RequestEvent): void;
}

type Method = keyof RelayObserver;

/**
 * The observers of one relay. Each kind of event has its own list, so the send path calls only
 * those that listen for it, and an event nobody listens for is not even built.
 */
export class Observers {
  private readonly lists: { [M in Method]: ((e: Parameters<NonNullable<RelayObserver[M]>>[0]) => void)[] } = {
    opened: [],
    closed: [],
    inbound: [],
    sent: [],
    dropped: [],
    requested: [],
  };

  /** Adds an observer; returns the function that removes it. */
  add(observer: RelayObserver): () => void {
    const added: [Method, (e: never) => void][] = [];
    for (const m of Object.keys(this.lists) as Method[]) {
      const fn = observer[m];
      if (!fn) continue;
      const bound = fn.bind(observer) as (e: never) => void;
      (this.lists[m] as ((e: never) => void)[]).push(bound);
      added.push([m, bound]);
    }
    return () => {
      for (const [m, bound] of added) {
        const list = this.lists[m] as ((e: never) => void)[];
        list.splice(list.indexOf(bound), 1);
      }
    };
  }

  /** Whether anyone listens for this kind of event. */
  wants(m: Method): boolean {
    return this.lists[m].length > 0;
  }

  opened(e: OpenEvent): void {
    for (const f of this.lists.opened) f(e);
  }

  closed(e: CloseEvent): void {
    for (const f of this.lists.closed) f(e);
  }

  inbound(e: InboundEvent): void {
    for (const f of this.lists.inbound) f(e);
  }

  sent(e: SentEvent): void {
    for (const f of this.lists.sent) f(e);
  }

  dropped(e: DropEvent): void {
    for (const f of this.lists.dropped) f(e);
  }

  requested(e: RequestEvent): void {
    for (const f of this.lists.requested) f(e);
  }
}
