import { whenReady, type Later, type Target } from '../../core/bus.js';
import type { Peer } from '../../core/peer.js';
import type { FrameHandler } from '../../core/socket.js';
import { injectPeer, refuseFilter } from '../inject.js';
import { websocketsKeepalive } from '../keepalive.js';
import type { Arrival, Dialect, DialectContext, InjectTarget, Welcome } from '../types.js';
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

export function createSpacewar({ hub, routing, bus, config }: DialectContext): Dialect {
  const keepalive = websocketsKeepalive(config.spacewarPingIntervalSeconds, config.spacewarPingTimeoutSeconds);
  const maxPayload = config.spacewarMaxMessageBytes;

  const tell = (peer: Peer, frame: string): void => {
    routing.reply(peer, frame);
  };

  /** A player is told its id and who is there, and the room that it came, all at once (D4). */
  function opened(peer: Peer, room: string): FrameHandler {
    const existing = [...hub.members(PROTOCOL, room)];
    hub.join(peer, room);
    tell(peer, `${peer.id} self`);
    for (const member of existing) tell(peer, `${member.id} join`);
    routing.route({ from: 'relay', to: { protocol: PROTOCOL, room, except: peer }, frame: `${peer.id} join` });
    return (data, isBinary) => onFrame(peer, room, data, isBinary);
  }

  function leave(peer: Peer, room: string): void {
    routing.route({ from: 'relay', to: { protocol: PROTOCOL, room }, frame: `${peer.id} quit` });
  }

  function onFrame(peer: Peer, room: string, data: Buffer, isBinary: boolean): void {
    if (isBinary) {
      // Bytes split on ASCII whitespace, and a bytes target never equals an id or "*": dropped.
      if (bytesSplitInTwo(data)) routing.note(peer, data, null, true);
      else routing.refuse(peer, data, 1011, NOT_TWO_PARTS, true);
      return;
    }
    const parts = splitTwo(data.toString());
    if (!parts) {
      routing.refuse(peer, data, 1011, NOT_TWO_PARTS);
      return;
    }
    const [target, message] = parts;
    const frame = `${peer.id} ${message}`;
    const to: Target = target === '*' ? { protocol: PROTOCOL, room, except: peer } : { protocol: PROTOCOL, room, id: target };
    routing.route({ from: peer, to, frame, inbound: data });
  }

  return {
    protocol: PROTOCOL,
    maxPayload,
    injectTemplate: 'chat hello from the operator',
    injectFormat: 'text',

    claims: (url) => url.pathname === '/ws-relay' || url.pathname.startsWith('/ws-relay/'),

    receive(a: Arrival): Later<Welcome> {
      const room = a.target;
      return whenReady(bus.number(PROTOCOL, room), (n) => ({
        id: String(n),
        keepalive,
        open: (peer: Peer) => opened(peer, room),
        gone: (peer: Peer) => leave(peer, room),
      }));
    },

    inject(target: InjectTarget, payload: string): number {
      const frame = `${OPERATOR} ${payload}`;
      if (target.kind === 'peer') return routing.route({ from: 'operator', to: { peer: injectPeer(hub, PROTOCOL, target.peer) }, frame });
      if (target.kind === 'room') {
        refuseFilter(PROTOCOL, target.filter);
        return routing.route({ from: 'operator', to: { protocol: PROTOCOL, room: target.room }, frame });
      }
      return routing.route({ from: 'operator', to: { protocol: PROTOCOL, everyone: true }, frame });
    },
  };
}
