import type { IncomingMessage } from 'node:http';
import type { WebSocket } from 'ws';
import type { Target } from '../../core/hub.js';
import type { Peer } from '../../core/peer.js';
import { bindSocket, wsTransport } from '../../core/socket.js';
import { remoteAddress } from '../../http/remote.js';
import { injectPeer, refuseFilter } from '../inject.js';
import { websocketsKeepalive } from '../keepalive.js';
import type { Dialect, DialectContext, InjectTarget } from '../types.js';
import { bytesSplitInTwo, splitTwo } from './split.js';

/**
 * Spacewar's ws-relay: text frames "<target> <message>" in, "<source> <message>" out, inside a
 * room named by the whole request target. Ids count from 1 in each room and start over when the
 * room empties.
 */

const PROTOCOL = 'spacewar';
/** The source of operator messages: no member ever gets id 0. */
const OPERATOR = '0';
const NOT_TWO_PARTS = 'a message must be "<target> <message>": two parts separated by whitespace';

export function createSpacewar({ hub, config }: DialectContext): Dialect {
  const keepalive = websocketsKeepalive(config.spacewarPingIntervalSeconds, config.spacewarPingTimeoutSeconds);
  const maxPayload = config.spacewarMaxMessageBytes;
  /** The next id of each room that has members. */
  const nextId = new Map<string, number>();

  const tell = (peer: Peer, frame: string): void => {
    hub.route({ from: 'relay', to: { peer }, frame });
  };

  function leave(peer: Peer, room: string): void {
    hub.route({ from: 'relay', to: { protocol: PROTOCOL, room }, frame: `${peer.id} quit` });
    if (hub.roomSize(PROTOCOL, room) === 0) nextId.delete(room);
  }

  function onFrame(peer: Peer, room: string, data: Buffer, isBinary: boolean): void {
    if (isBinary) {
      // Bytes split on ASCII whitespace, and a bytes target never equals an id or "*": dropped.
      hub.note(peer, data, null, true);
      if (!bytesSplitInTwo(data)) hub.close(peer, 1011, NOT_TWO_PARTS);
      return;
    }
    const parts = splitTwo(data.toString());
    if (!parts) {
      hub.note(peer, data, null);
      hub.close(peer, 1011, NOT_TWO_PARTS);
      return;
    }
    const [target, message] = parts;
    const frame = `${peer.id} ${message}`;
    const to: Target = target === '*' ? { protocol: PROTOCOL, room, except: peer } : { protocol: PROTOCOL, room, id: target };
    hub.route({ from: peer, to, frame, inbound: data });
  }

  return {
    protocol: PROTOCOL,
    maxPayload,
    injectTemplate: 'chat hello from the operator',
    injectFormat: 'text',

    claims: (url) => url.pathname === '/ws-relay' || url.pathname.startsWith('/ws-relay/'),

    accept(ws: WebSocket, req: IncomingMessage): void {
      const room = req.url ?? '/';
      const id = nextId.get(room) ?? 1;
      nextId.set(room, id + 1);
      const existing = [...hub.members(PROTOCOL, room)];
      const peer = hub.connect(
        { protocol: PROTOCOL, id: String(id), transport: wsTransport(ws, maxPayload), remote: remoteAddress(req), keepalive },
        (gone) => leave(gone, room),
      );
      // All at once, so no message can reach the room between the notices and the membership (D4).
      hub.join(peer, room);
      tell(peer, `${id} self`);
      for (const member of existing) tell(peer, `${member.id} join`);
      hub.route({ from: 'relay', to: { protocol: PROTOCOL, room, except: peer }, frame: `${id} join` });
      bindSocket(hub, peer, ws, (data, isBinary) => onFrame(peer, room, data, isBinary));
    },

    inject(target: InjectTarget, payload: string): number {
      const frame = `${OPERATOR} ${payload}`;
      if (target.kind === 'peer') return hub.route({ from: 'operator', to: { peer: injectPeer(hub, PROTOCOL, target.peer) }, frame });
      if (target.kind === 'room') {
        refuseFilter(PROTOCOL, target.filter);
        return hub.route({ from: 'operator', to: { protocol: PROTOCOL, room: target.room }, frame });
      }
      return hub.route({ from: 'operator', to: { protocol: PROTOCOL, everyone: true }, frame });
    },
  };
}
