import { whenReady, type Later } from '../core/bus.js';
import type { Peer, PeerView } from '../core/peer.js';
import type { DialectContext } from './types.js';

/**
 * Who on this node hears that `about` entered or left a room: this node's members in the bus's
 * order of the room, except `about` itself; for an entry (`before`), only those who were there
 * before it (a member that joined after it hears of it in its own welcome, where there is one).
 */
export function localWitnesses(core: DialectContext, room: string, about: PeerView, before: boolean): Later<Peer[]> {
  return whenReady(core.bus.members(about.protocol, room), (members) => {
    const out: Peer[] = [];
    for (const m of members) {
      if (m.key === about.key) {
        if (before) break;
        continue;
      }
      const mine = core.hub.peer(m.key);
      if (mine === m) out.push(mine);
    }
    return out;
  });
}

/** The members of a room before `peer`, on every node, in join order: what a joiner is told of. */
export function membersBefore(core: DialectContext, room: string, peer: PeerView): Later<PeerView[]> {
  return whenReady(core.bus.members(peer.protocol, room), (members) => {
    const at = members.findIndex((m) => m.key === peer.key);
    return at < 0 ? members : members.slice(0, at);
  });
}
