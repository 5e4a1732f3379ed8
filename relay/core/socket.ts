import type { Writable } from 'node:stream';
import type { WebSocket } from 'ws';
import type { Core } from './core.js';
import type { Peer, Transport } from './peer.js';

/** Close reasons must fit a control frame: 123 bytes of UTF-8. */
export function fitReason(reason: string): string {
  if (Buffer.byteLength(reason) <= 123) return reason;
  let cut = reason.slice(0, 120);
  while (Buffer.byteLength(cut) > 120) cut = cut.slice(0, -1);
  return cut + '...';
}

/** Closes ws made itself on a frame it could not accept, for bindSocket to report to the hub. */
const ownCloses = new WeakMap<WebSocket, { code: number; reason: string }>();

const OWN_CLOSES: Record<number, string> = {
  1002: 'WebSocket protocol error in a frame',
  1007: 'a text frame was not valid UTF-8',
};

/**
 * ws closes a socket itself on a frame it cannot accept, with a code and no reason. Every close
 * the relay makes is explained, so the reason is filled in from the code.
 */
function explainOwnCloses(ws: WebSocket, maxPayload: number): void {
  const close = ws.close.bind(ws);
  const explain = (code: number): string | undefined => (code === 1009 ? `message too big: the limit is ${maxPayload} bytes` : OWN_CLOSES[code]);
  ws.close = (code?: number, reason?: string | Buffer) => {
    const own = reason === undefined && code !== undefined ? explain(code) : undefined;
    if (own) ownCloses.set(ws, { code: code!, reason: own });
    close(code, reason ?? own);
  };
}

/** The TCP socket under a ws WebSocket, which ws keeps in a field it does not type. */
const tcpOf = (ws: WebSocket): Writable | undefined => (ws as unknown as { _socket?: Writable })._socket ?? undefined;

/**
 * A peer's WebSocket. Frames sent to it in the same tick go out in one write: the socket is
 * corked on the first and uncorked once the tick's work is done. ws otherwise makes a system
 * call per frame, which under load cost the relay more than everything else it does. A class
 * rather than closures: it is one small object per connection.
 */
class WsTransport implements Transport {
  private corked = false;
  private readonly tcp: Writable | undefined;

  constructor(private readonly ws: WebSocket) {
    this.tcp = tcpOf(ws);
  }

  send(frame: Buffer): void {
    if (this.tcp && !this.corked) {
      this.corked = true;
      this.tcp.cork();
      process.nextTick(uncork, this);
    }
    this.ws.send(frame, { binary: false });
  }

  flush(): void {
    if (!this.corked) return;
    this.corked = false;
    this.tcp?.uncork();
  }

  close(code: number, reason: string): void {
    this.ws.close(code, fitReason(reason));
  }

  /** What the client has not taken yet, this tick's corked frames included: the bound holds however many one tick makes. */
  get bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }

  ping(payload: string): void {
    this.ws.ping(payload);
  }
}

const uncork = (t: WsTransport): void => t.flush();

export function wsTransport(ws: WebSocket, maxPayload: number): Transport {
  explainOwnCloses(ws, maxPayload);
  return new WsTransport(ws);
}

const NOTHING = Buffer.alloc(0);

/** Handles one client frame. A handler that must wait (for another node) returns a promise. */
export type FrameHandler = (data: Buffer, isBinary: boolean) => void | Promise<void>;

/** What a dialect does with a socket's events, besides what bindSocket does for every peer. */
export interface SocketHandlers {
  frame: FrameHandler;
  /**
   * Whether this socket still speaks for its peer. A peer whose socket was replaced
   * (channelstream's connection, when another socket attaches) ignores the old one's events.
   */
  current?(): boolean;
  /** The socket showed it is alive: a frame, a ping or a pong. */
  alive?(): void;
  /** The socket closed; by default the peer is gone with it. */
  closed?(code: number, reason: string): void;
}

type SocketCore = Pick<Core, 'hub' | 'delivery' | 'log'>;

/**
 * Wires a socket's events to the core: counts what comes in, keeps the peer alive on pings and
 * pongs, and turns a handler's exception into a 1011 close of that peer only. While a handler's
 * promise is pending, the peer's next frames wait for it, so they are handled in the order sent.
 */
export function bindSocket(core: SocketCore, peer: Peer, ws: WebSocket, handlers: SocketHandlers): void {
  const { hub, delivery } = core;
  const current = handlers.current?.bind(handlers) ?? always;
  const failed = (err: unknown): void => closeOnError(core, peer, err);
  const alive = (): void => {
    peer.lastSeen = Date.now();
    handlers.alive?.();
  };
  const handle = (data: Buffer, isBinary: boolean): Promise<void> | undefined => {
    if (peer.closing || !current() || !delivery.received(peer, data)) return undefined;
    handlers.alive?.();
    try {
      return handlers.frame(data, isBinary)?.catch(failed);
    } catch (err) {
      failed(err);
      return undefined;
    }
  };
  /** The last frame still being handled, if any. */
  let tail: Promise<void> | undefined;
  const settle = (p: Promise<void>): void => {
    tail = p;
    void p.then(() => {
      if (tail === p) tail = undefined;
    });
  };
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    if (tail) settle(tail.then(() => handle(data, isBinary)));
    else {
      const waiting = handle(data, isBinary);
      if (waiting) settle(waiting);
    }
  });
  // ws has just queued the pong: a client that pings but never reads is a slow consumer too.
  ws.on('ping', () => {
    if (!current()) return;
    alive();
    if (!peer.closing) delivery.queueHasRoom(peer, NOTHING);
  });
  ws.on('pong', () => {
    if (current()) alive();
  });
  ws.on('close', (code: number, reason: Buffer) => {
    if (handlers.closed) handlers.closed(code, reason.toString());
    else hub.gone(peer, code, reason.toString());
  });
  // A socket another has replaced no longer speaks for the peer.
  ws.on('error', (err: Error) => {
    if (current()) reportSocketError(core, peer, ws, err);
  });
}

const always = (): boolean => true;

/** A dialect's handler threw: only that peer is closed, with 1011 and the error's message; the log keeps the stack. */
export function closeOnError(core: Pick<Core, 'hub' | 'log'>, peer: Peer, err: unknown): void {
  core.log.add('error', 'error', `${peer.protocol} ${peer.id}: ${(err as Error).stack ?? String(err)}`, { protocol: peer.protocol, peer: peer.id });
  core.hub.close(peer, 1011, `internal error: ${(err as Error).message}`);
}

/**
 * Logs a socket's error. When ws closed the socket itself over a frame it could not accept, it
 * has already sent the close frame: the hub records that close as the relay's, with its reason.
 */
export function reportSocketError(core: Pick<Core, 'hub' | 'log'>, peer: Peer, ws: WebSocket, err: Error): void {
  core.log.add('warn', 'socket-error', `${peer.protocol} ${peer.id}: ${err.message}`, { protocol: peer.protocol, peer: peer.id });
  const own = ownCloses.get(ws);
  if (own) core.hub.close(peer, own.code, own.reason);
}
