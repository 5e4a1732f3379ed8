import { whenReady, type Later, type Target } from '../../core/bus.js';
import type { Peer } from '../../core/peer.js';
import type { FrameHandler } from '../../core/socket.js';
import { injectPeer, refuseFilter } from '../inject.js';
import { websocketsKeepalive } from '../keepalive.js';
import { localWitnesses, membersBefore } from '../presence.js';
import type { Arrival, Dialect, DialectContext, InjectTarget, Refusal, Welcome } from '../types.js';
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

export function createSpacewar(core: DialectContext): Dialect {
  const { hub, routing, bus, config } = core;
  const keepalive = websocketsKeepalive(config.spacewarPingIntervalSeconds, config.spacewarPingTimeoutSeconds);
  const maxPayload = config.spacewarMaxMessageBytes;

  const tell = (peer: Peer, frame: string): void => {
    routing.reply(peer, frame);
  };

  const tellRoom = (room: string, peers: Peer[], frame: string): void => {
    routing.route({ from: 'relay', to: { protocol: PROTOCOL, room, peers }, frame });
  };

  // Presence comes from the bus, in the order every node agrees on, and each node tells its own
  // peers (D4: a joiner hears of the members before it, and they of it, before any message).
  bus.watch(PROTOCOL, {
    entered(view, room, late) {
      if (!late && hub.peer(view.key) === view)
        void whenReady(membersBefore(core, room, view), (before) => {
          tell(view as Peer, `${view.id} self`);
          for (const member of before) tell(view as Peer, `${member.id} join`);
        });
      void whenReady(localWitnesses(core, room, view, !late), (peers) => tellRoom(room, peers, `${view.id} join`));
    },
    exited(view, room) {
      void whenReady(localWitnesses(core, room, view, false), (peers) => tellRoom(room, peers, `${view.id} quit`));
    },
  });

  function opened(peer: Peer, room: string): FrameHandler {
    hub.join(peer, room);
    return (data, isBinary) => onFrame(peer, room, data, isBinary);
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

    receive(a: Arrival): Later<Welcome | Refusal> {
      const room = a.target;
      const welcome = (n: number): Welcome => ({ id: String(n), keepalive, open: (peer: Peer) => opened(peer, room) });
      const numbered = whenReady(bus.number(PROTOCOL, room), welcome);
      if (!(numbered instanceof Promise)) return numbered;
      // A cluster that cannot reach Redis cannot number a room: the player may try again.
      return numbered.catch((err: Error): Refusal => ({ id: '0', refuse: { code: 1013, reason: `cannot join ${room} now: ${err.message}` } }));
    },

    inject(target: InjectTarget, payload: string): number {
      const frame = `${OPERATOR} ${payload}`;
      if (target.kind === 'peer') return routing.route({ from: 'operator', to: { protocol: PROTOCOL, key: injectPeer(bus, PROTOCOL, target.peer).key }, frame });
      if (target.kind === 'room') {
        refuseFilter(PROTOCOL, target.filter);
        return routing.route({ from: 'operator', to: { protocol: PROTOCOL, room: target.room }, frame });
      }
      return routing.route({ from: 'operator', to: { protocol: PROTOCOL, everyone: true }, frame });
    },
  };
}
