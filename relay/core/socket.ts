import type { Writable } from 'node:stream';
import type { WebSocket } from 'ws';
import type { Hub } from './hub.js';
import type { Peer, Transport } from './peer.js';

/** Close reasons must fit a control frame: 123 bytes of UTF-8. */
export function fitReason(reason: string): string {
  if (Buffer.byteLength(reason) <= 123) return reason;
  let cut = reason.slice(0, 120);
  while (Buffer.byteLength(cut) > 120) cut = cut.slice(0, -1);
  return cut + '...';
}

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
  ws.close = (code?: number, reason?: string | Buffer) => close(code, reason ?? (code !== undefined ? explain(code) : undefined));
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
    this.corked = false;
    this.tcp?.uncork();
  }

  close(code: number, reason: string): void {
    this.ws.close(code, fitReason(reason));
  }

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

export type FrameHandler = (data: Buffer, isBinary: boolean) => void;

/**
 * Wires a socket's events to the hub: counts what comes in, keeps the peer alive on pings and
 * pongs, and turns a handler's exception into a 1011 close of that peer only.
 */
export function bindSocket(hub: Hub, peer: Peer, ws: WebSocket, onFrame: FrameHandler): void {
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    if (peer.closing) return;
    hub.received(peer, data.length);
    try {
      onFrame(data, isBinary);
    } catch (err) {
      hub.log.add('error', 'error', `${peer.protocol} ${peer.id}: ${(err as Error).stack ?? String(err)}`, { protocol: peer.protocol, peer: peer.id });
      hub.close(peer, 1011, `internal error: ${(err as Error).message}`);
    }
  });
  const alive = (): void => {
    peer.lastSeen = Date.now();
  };
  ws.on('ping', alive);
  ws.on('pong', alive);
  ws.on('close', (code: number, reason: Buffer) => hub.gone(peer, code, reason.toString()));
  ws.on('error', (err: Error) => hub.log.add('warn', 'socket-error', `${peer.protocol} ${peer.id}: ${err.message}`, { protocol: peer.protocol, peer: peer.id }));
}
