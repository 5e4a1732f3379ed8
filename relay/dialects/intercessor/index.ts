import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { WebSocket } from 'ws';
import { whenReady } from '../../core/bus.js';
import type { Peer, PeerView } from '../../core/peer.js';
import { bindSocket, wsTransport } from '../../core/socket.js';
import { remoteAddress } from '../../http/remote.js';
import { injectJson, injectPeer, refuseFilter } from '../inject.js';
import { websocketsKeepalive } from '../keepalive.js';
import { InjectError, type Dialect, type DialectContext, type InjectTarget } from '../types.js';
import { decodeFrame, encodeFrame, type InboundFrame } from './frame.js';

/**
 * intercessor: WebRTC signaling. A server connects to /server and gets an id; clients connect to
 * /client/<server id>; the server and each of its clients exchange four-key JSON frames. The
 * relay speaks as "0". A server and its clients form one hub room, named by the server's id.
 */

const PROTOCOL = 'intercessor';
const RELAY_ID = '0';
const CLIENT_PREFIX = '/client/';

/** The path without its query, exactly as sent: the server id is not percent-decoded. */
const rawPath = (req: IncomingMessage): string => (req.url ?? '/').split('?', 1)[0]!;

/** The server id in /client/<server id>: one non-empty path segment. */
function clientOf(path: string): string | undefined {
  if (!path.startsWith(CLIENT_PREFIX)) return undefined;
  const sid = path.slice(CLIENT_PREFIX.length);
  return sid && !sid.includes('/') ? sid : undefined;
}

const sha256 = (text: string): Buffer => createHash('sha256').update(text).digest();

export function createIntercessor(core: DialectContext): Dialect {
  const { hub, routing, bus, config } = core;
  const keepalive = websocketsKeepalive(config.intercessorPingIntervalSeconds, config.intercessorPingTimeoutSeconds);
  const maxPayload = config.intercessorMaxMessageBytes;
  const passphrase = config.intercessorServerPassphrase ? sha256(config.intercessorServerPassphrase) : undefined;

  /** A frame from the relay itself, to one peer. */
  const tell = (peer: Peer, type: string, message: unknown): void => {
    routing.reply(peer, encodeFrame(RELAY_ID, peer.id, type, message));
  };

  const hello = (peer: Peer): void =>
    tell(peer, 'HELLO', config.intercessorServerInfo ? { id: peer.id, serverInfo: config.intercessorServerInfo } : { id: peer.id });

  const connect = (ws: WebSocket, req: IncomingMessage, onGone?: (peer: Peer) => void): Peer =>
    hub.connect({ protocol: PROTOCOL, id: randomUUID(), transport: wsTransport(ws, maxPayload), remote: remoteAddress(req), keepalive }, onGone);

  /** Closes a socket the relay will not serve, through the hub so the console sees why. */
  function refuse(ws: WebSocket, req: IncomingMessage, code: number, reason: string): void {
    const peer = connect(ws, req);
    bindSocket(core, peer, ws, () => undefined);
    hub.close(peer, code, reason);
  }

  function reject(peer: Peer, data: Buffer, code: number, reason: string): undefined {
    routing.refuse(peer, data, code, reason);
    return undefined;
  }

  /**
   * Reads a peer's frame and checks who it claims to be from (D5: it may leave `from` out) and,
   * for a client, that it goes to its server. A bad frame closes the peer.
   */
  function read(peer: Peer, data: Buffer, isBinary: boolean, server?: string): InboundFrame | undefined {
    if (isBinary) return reject(peer, data, 1003, 'binary frames are not accepted: intercessor speaks JSON text');
    const frame = decodeFrame(data.toString());
    if (typeof frame === 'string') return reject(peer, data, 1008, frame);
    if (frame.from !== undefined && frame.from !== peer.id) return reject(peer, data, 1008, `invalid message source: "from" must be your id ${peer.id}`);
    if (server !== undefined && frame.to !== server) return reject(peer, data, 1008, `invalid message destination: "to" must be your server's id ${server}`);
    return frame;
  }

  function acceptServer(ws: WebSocket, req: IncomingMessage, url: URL): void {
    if (passphrase && !timingSafeEqual(sha256(url.searchParams.get('passphrase') ?? ''), passphrase)) {
      refuse(ws, req, 1008, 'a passphrase is needed: connect to /server?passphrase=...');
      return;
    }
    const peer = connect(ws, req, (gone) => bus.release(gone, gone.id));
    hello(peer);
    // Its clients find it by its id from any node; its room holds it and them.
    bus.claim(peer, peer.id);
    hub.join(peer, peer.id);
    bindSocket(core, peer, ws, (data, isBinary) => {
      const frame = read(peer, data, isBinary);
      if (!frame) return;
      return whenReady(bus.members(PROTOCOL, peer.id), (members) => {
        const client = members.find((m) => m.id === frame.to && m.key !== peer.key);
        if (!client) routing.note(peer, data, frame.to);
        else routing.route({ from: peer, to: { protocol: PROTOCOL, key: client.key }, frame: encodeFrame(peer.id, client.id, frame.type, frame.message), inbound: data });
      });
    });
  }

  /** The server of a room, when this node holds it. */
  const localServer = (sid: string): Peer | undefined => hub.member(PROTOCOL, sid, sid);

  // Presence, from the bus in the order every node agrees on: each node tells its own peers.
  bus.watch(PROTOCOL, {
    entered(view, sid) {
      const server = localServer(sid);
      if (server && view.id !== sid) tell(server, 'PEER_JOINED', { id: view.id });
    },
    exited(view, sid) {
      if (view.id !== sid) {
        const server = localServer(sid);
        if (server) tell(server, 'PEER_GONE', { id: view.id });
        return;
      }
      // The server left: its clients here are told (with the server's id, D7), then closed.
      for (const client of [...hub.members(PROTOCOL, sid)]) {
        tell(client, 'PEER_GONE', { id: sid });
        hub.close(client, 1000, `the server ${sid} has left`);
      }
    },
  });

  function acceptClient(ws: WebSocket, req: IncomingMessage, sid: string): void {
    // The server may be on another node: the client's first frames wait for the answer.
    ws.pause();
    void whenReady(bus.named(PROTOCOL, sid), (server) => {
      if (ws.readyState !== ws.OPEN) return;
      ws.resume();
      if (!server || server.id !== sid) {
        refuse(ws, req, 1008, `no server with id ${sid} is connected`);
        return;
      }
      const peer = connect(ws, req);
      hello(peer);
      hub.join(peer, sid);
      bindSocket(core, peer, ws, (data, isBinary) => {
        const frame = read(peer, data, isBinary, sid);
        if (frame) routing.route({ from: peer, to: { protocol: PROTOCOL, room: sid, id: sid }, frame: encodeFrame(peer.id, sid, frame.type, frame.message), inbound: data });
      });
    });
  }

  return {
    protocol: PROTOCOL,
    maxPayload,
    injectTemplate: '{\n  "type": "OPERATOR",\n  "message": { "text": "hello from the operator" }\n}',
    injectFormat: 'json',

    claims: (url) => url.pathname === '/server' || clientOf(url.pathname) !== undefined,

    accept(ws: WebSocket, req: IncomingMessage, url: URL): void {
      const path = rawPath(req);
      const sid = clientOf(path);
      if (path === '/server') acceptServer(ws, req, url);
      else if (sid !== undefined) acceptClient(ws, req, sid);
      else refuse(ws, req, 1008, `intercessor serves /server and /client/<server-id>, not ${path}`);
    },

    inject(target: InjectTarget, payload: string): number {
      const body = injectJson(payload, 'an intercessor message is a JSON object {"type", "message"}');
      if (typeof body !== 'object' || body === null || typeof (body as { type?: unknown }).type !== 'string' || !('message' in body))
        throw new InjectError('an intercessor message is a JSON object with a string "type" and a "message"');
      const { type, message } = body as { type: string; message: unknown };
      const frame = (r: PeerView): string => encodeFrame(RELAY_ID, r.id, type, message);
      if (target.kind === 'peer') return routing.route({ from: 'operator', to: { peer: injectPeer(hub, PROTOCOL, target.peer) }, frame });
      if (target.kind === 'room') {
        refuseFilter(PROTOCOL, target.filter);
        return routing.route({ from: 'operator', to: { protocol: PROTOCOL, room: target.room }, frame });
      }
      return routing.route({ from: 'operator', to: { protocol: PROTOCOL, everyone: true }, frame });
    },
  };
}
