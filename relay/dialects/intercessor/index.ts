import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import { whenReady, type Later } from '../../core/bus.js';
import type { Peer, PeerView } from '../../core/peer.js';
import type { FrameHandler } from '../../core/socket.js';
import { injectJson, injectPeer, refuseFilter } from '../inject.js';
import { websocketsKeepalive } from '../keepalive.js';
import { InjectError, type Arrival, type Dialect, type DialectContext, type InjectTarget, type Reception, type Refusal } from '../types.js';
import { decodeFrame, encodeFrame, type InboundFrame } from './frame.js';
import { nestsDeeper, SERDE_JSON_DEPTH, tooDeep } from '../json-depth.js';

/**
 * intercessor: WebRTC signaling. A server connects to /server and gets an id; clients connect to
 * /client/<server id>; the server and each of its clients exchange four-key JSON frames. The
 * relay speaks as "0". A server and its clients form one hub room, named by the server's id.
 */

const PROTOCOL = 'intercessor';
const RELAY_ID = '0';
const CLIENT_PREFIX = '/client/';

/** The path without its query, exactly as sent: the server id is not percent-decoded. */
const rawPath = (target: string): string => target.split('?', 1)[0]!;

/** The server id in /client/<server id>: one non-empty path segment. */
function clientOf(path: string): string | undefined {
  if (!path.startsWith(CLIENT_PREFIX)) return undefined;
  const sid = path.slice(CLIENT_PREFIX.length);
  return sid && !sid.includes('/') ? sid : undefined;
}

const sha256 = (text: string): Buffer => createHash('sha256').update(text).digest();

export function createIntercessor({ hub, routing, bus, config }: DialectContext): Dialect {
  const keepalive = websocketsKeepalive(config.intercessorPingIntervalSeconds, config.intercessorPingTimeoutSeconds);
  const maxPayload = config.intercessorMaxMessageBytes;
  const passphrase = config.intercessorServerPassphrase ? sha256(config.intercessorServerPassphrase) : undefined;

  /** A frame from the relay itself, to one peer. */
  const tell = (peer: Peer, type: string, message: unknown): void => {
    routing.reply(peer, encodeFrame(RELAY_ID, peer.id, type, message));
  };

  const hello = (peer: Peer): void =>
    tell(peer, 'HELLO', config.intercessorServerInfo ? { id: peer.id, serverInfo: config.intercessorServerInfo } : { id: peer.id });

  /** A socket the relay will not serve: the server closes it through the hub, so the console sees why. */
  const refusal = (code: number, reason: string): Refusal => ({ id: randomUUID(), refuse: { code, reason } });

  function reject(peer: Peer, data: Buffer, code: number, reason: string, binary = false): undefined {
    routing.refuse(peer, data, code, reason, binary);
    return undefined;
  }

  /**
   * Reads a peer's frame and checks who it claims to be from (D5: it may leave `from` out) and,
   * for a client, that it goes to its server. A bad frame closes the peer.
   */
  function read(peer: Peer, data: Buffer, isBinary: boolean, server?: string): InboundFrame | undefined {
    if (isBinary) return reject(peer, data, 1003, 'binary frames are not accepted: intercessor speaks JSON text', true);
    if (nestsDeeper(data, SERDE_JSON_DEPTH)) return reject(peer, data, 1008, `invalid JSON: ${tooDeep(SERDE_JSON_DEPTH)}`);
    const frame = decodeFrame(data.toString());
    if (typeof frame === 'string') return reject(peer, data, 1008, frame);
    if (frame.from !== undefined && frame.from !== peer.id) return reject(peer, data, 1008, `invalid message source: "from" must be your id ${peer.id}`);
    if (server !== undefined && frame.to !== server) return reject(peer, data, 1008, `invalid message destination: "to" must be your server's id ${server}`);
    return frame;
  }

  function welcomeServer(url: URL): Reception {
    if (passphrase && !timingSafeEqual(sha256(url.searchParams.get('passphrase') ?? ''), passphrase))
      return refusal(1008, 'a passphrase is needed: connect to /server?passphrase=...');
    return { id: randomUUID(), keepalive, open: openServer, gone: (peer) => bus.release(peer, peer.id) };
  }

  /**
   * A server gets its id and a room of its own, named by it, which its clients join. It claims
   * its id on the bus, so clients on any node find it.
   */
  function openServer(peer: Peer): FrameHandler {
    hello(peer);
    bus.claim(peer, peer.id);
    hub.join(peer, peer.id);
    return (data, isBinary) => {
      const frame = read(peer, data, isBinary);
      if (!frame) return;
      return whenReady(bus.members(PROTOCOL, peer.id), (members) => {
        const client = members.find((m) => m.id === frame.to && m.key !== peer.key);
        if (!client) routing.note(peer, data, frame.to);
        else routing.route({ from: peer, to: { protocol: PROTOCOL, key: client.key }, frame: encodeFrame(peer.id, client.id, frame.type, frame.message), inbound: data });
      });
    };
  }

  /** The server of a room, when this node holds it. */
  const localServer = (sid: string): Peer | undefined => hub.member(PROTOCOL, sid, sid);

  // Presence comes from the bus, in the order every node agrees on: each node tells its own peers.
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

  /** A client waits for its server to be found, on whichever node holds it. */
  function welcomeClient(sid: string): Later<Reception> {
    return whenReady(bus.named(PROTOCOL, sid), (server) =>
      server?.id === sid ? { id: randomUUID(), keepalive, open: (peer: Peer) => openClient(peer, sid) } : refusal(1008, `no server with id ${sid} is connected`),
    );
  }

  /** A client gets its id and joins its server's room; the server's node tells the server. */
  function openClient(peer: Peer, sid: string): FrameHandler {
    hello(peer);
    hub.join(peer, sid);
    return (data, isBinary) => {
      const frame = read(peer, data, isBinary, sid);
      if (frame) routing.route({ from: peer, to: { protocol: PROTOCOL, room: sid, id: sid }, frame: encodeFrame(peer.id, sid, frame.type, frame.message), inbound: data });
    };
  }

  return {
    protocol: PROTOCOL,
    maxPayload,
    injectTemplate: '{\n  "type": "OPERATOR",\n  "message": { "text": "hello from the operator" }\n}',
    injectFormat: 'json',

    claims: (url) => url.pathname === '/server' || clientOf(url.pathname) !== undefined,

    receive(a: Arrival): Later<Reception> {
      const path = rawPath(a.target);
      const sid = clientOf(path);
      if (path === '/server') return welcomeServer(a.url);
      if (sid !== undefined) return welcomeClient(sid);
      return refusal(1008, `intercessor serves /server and /client/<server-id>, not ${path}`);
    },

    inject(target: InjectTarget, payload: string): number {
      const body = injectJson(payload, 'an intercessor message is a JSON object {"type", "message"}');
      if (typeof body !== 'object' || body === null || typeof (body as { type?: unknown }).type !== 'string' || !('message' in body))
        throw new InjectError('an intercessor message is a JSON object with a string "type" and a "message"');
      const { type, message } = body as { type: string; message: unknown };
      const frame = (r: PeerView): string => encodeFrame(RELAY_ID, r.id, type, message);
      if (target.kind === 'peer') return routing.route({ from: 'operator', to: { protocol: PROTOCOL, key: injectPeer(bus, PROTOCOL, target.peer).key }, frame });
      if (target.kind === 'room') {
        refuseFilter(PROTOCOL, target.filter);
        return routing.route({ from: 'operator', to: { protocol: PROTOCOL, room: target.room }, frame });
      }
      return routing.route({ from: 'operator', to: { protocol: PROTOCOL, everyone: true }, frame });
    },
  };
}
