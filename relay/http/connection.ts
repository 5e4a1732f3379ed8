import type { IncomingMessage } from 'node:http';
import type { WebSocket } from 'ws';
import type { Later } from '../core/bus.js';
import type { Core } from '../core/core.js';
import { bindSocket, closeOnError, wsTransport, type FrameHandler } from '../core/socket.js';
import type { Peer, Transport } from '../core/peer.js';
import type { Arrival, Attachment, Connections, Dialect, PeerLink, Reception } from '../dialects/types.js';
import { remoteAddress } from '../net/remote.js';
import { ConnectionLink } from './link.js';

/**
 * The headers a capture keeps of a handshake: those a protocol or the relay reads. Secrets
 * (Authorization, Cookie) are left out on purpose.
 */
export const HANDSHAKE_HEADERS = ['host', 'origin', 'user-agent', 'x-forwarded-for', 'x-peer-group', 'x-peer-meta', 'sec-websocket-protocol'] as const;

/** What a dialect is told of an upgrade; the client's address must have been settled. */
export function arrivalOf(req: IncomingMessage, url: URL): Arrival {
  const target = req.url ?? '/';
  const q = target.indexOf('?');
  const headers: Record<string, string> = {};
  for (const name of HANDSHAKE_HEADERS) {
    const values = req.headersDistinct[name];
    if (values) headers[name] = values.join(', ');
  }
  return {
    url,
    target,
    headers: req.headersDistinct,
    remote: remoteAddress(req),
    handshake: { path: q < 0 ? target : target.slice(0, q), query: q < 0 ? '' : target.slice(q + 1), headers },
  };
}

type ConnectionCore = Pick<Core, 'hub' | 'delivery' | 'log'>;

/**
 * The one place a connection becomes a peer, for every protocol and transport. A WebSocket comes
 * through `openSocket`; a peer that stands before any transport (channelstream's REST /connect)
 * through `standing`, and the long polls that read it through `poll`.
 */
export function connectionPlace(core: Pick<Core, 'hub'>): Connections {
  return {
    standing(req, s): PeerLink {
      const link = new ConnectionLink(s.sent ?? nothing);
      const gone = s.gone;
      link.peer = core.hub.connect({ protocol: s.protocol, id: s.id, transport: link, remote: remoteAddress(req), meta: s.meta }, gone && ((p: Peer) => gone(p)));
      return link;
    },
    poll: (link) => linkOf(link).attachPoll(),
  };
}

const nothing = (): void => undefined;

/** A link is only ever made here: one from elsewhere is a programming error. */
function linkOf(link: PeerLink): ConnectionLink {
  if (!(link instanceof ConnectionLink)) throw new TypeError('not a link made by the connection place');
  return link;
}

/**
 * An accepted WebSocket: it builds the transport, asks the dialect who the peer is, connects it
 * to the hub (or attaches the socket to a link) and binds the socket. While the dialect must
 * wait (an id from another node), the socket's frames are held and then handled in order.
 */
export function openSocket(core: ConnectionCore, dialect: Dialect, ws: WebSocket, arrival: Arrival): void {
  const transport = wsTransport(ws, dialect.maxPayload);
  const reception: Later<Reception> = dialect.receive(arrival);
  if (!(reception instanceof Promise)) return receive(core, dialect, ws, transport, arrival, reception);
  const held: [Buffer, boolean][] = [];
  const hold = (data: Buffer, isBinary: boolean): void => void held.push([data, isBinary]);
  // ws closes a socket itself on a frame it cannot take (invalid UTF-8) and emits 'error': with
  // no listener yet, that would end the process. The socket is closed; nothing is left to do.
  const dropped = (): void => undefined;
  ws.on('message', hold);
  ws.on('error', dropped);
  reception.then(
    (r) => {
      ws.off('message', hold);
      ws.off('error', dropped);
      if (ws.readyState !== ws.OPEN) return;
      receive(core, dialect, ws, transport, arrival, r);
      for (const [data, isBinary] of held) ws.emit('message', data, isBinary);
    },
    (err: unknown) => {
      core.log.add('error', 'error', `${dialect.protocol} ${arrival.handshake.path}: ${(err as Error).stack ?? String(err)}`, { protocol: dialect.protocol, remote: arrival.remote });
      transport.close(1011, `internal error: ${(err as Error).message}`);
    },
  );
}

function receive(core: ConnectionCore, dialect: Dialect, ws: WebSocket, transport: Transport, arrival: Arrival, r: Reception): void {
  if ('link' in r) return attachSocket(core, ws, transport, r);
  const { hub } = core;
  const init = { protocol: dialect.protocol, id: r.id, transport, remote: arrival.remote, handshake: arrival.handshake };
  if ('refuse' in r) {
    const peer = hub.connect(init);
    bindSocket(core, peer, ws, { frame: ignore });
    return hub.close(peer, r.refuse.code, r.refuse.reason);
  }
  const gone = r.gone;
  const peer = hub.connect({ ...init, meta: r.meta, keepalive: r.keepalive }, gone && ((p: Peer) => gone(p)));
  // Opening may close the peer (a room over the limit): its socket reports the close later, once bound.
  let frame: FrameHandler = ignore;
  try {
    frame = r.open(peer);
  } catch (err) {
    closeOnError(core, peer, err);
  }
  bindSocket(core, peer, ws, { frame });
}

/** A socket onto a link, in place of any other; while it is the link's socket, its close is the peer's departure. */
function attachSocket(core: ConnectionCore, ws: WebSocket, transport: Transport, r: Attachment): void {
  const link = linkOf(r.link);
  const { peer } = link;
  link.attachSocket(transport)?.close(1000, 'another socket attached to this connection');
  let frame: FrameHandler = ignore;
  try {
    frame = r.open(peer);
  } catch (err) {
    closeOnError(core, peer, err);
  }
  bindSocket(core, peer, ws, {
    current: () => link.socket === transport,
    alive: () => link.heard(),
    frame,
    closed: (code, reason) => {
      if (link.detachSocket(transport)) core.hub.gone(peer, code, reason);
    },
  });
}

const ignore: FrameHandler = () => undefined;
