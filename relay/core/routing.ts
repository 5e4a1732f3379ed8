import type { ProtocolName } from '../config/schema.js';
import type { Bus, OutFrame, Target } from './bus.js';
import type { Hub } from './hub.js';
import type { Origin } from './observe.js';
import { Peer, type PeerView } from './peer.js';

export interface Routed {
  from: Origin;
  to: Target;
  /** The frame to send. A function makes one frame per recipient, for protocols whose frames name it. */
  frame: string | Buffer | ((recipient: PeerView) => string);
  /** The client's own frame, when this forwards one. */
  inbound?: string | Buffer;
}

/**
 * The one send path: every frame the relay sends, from clients, the relay itself and the
 * operator alike, goes through route(), which hands it to the bus and then tells the observers
 * once what was sent to whom. A fan-out encodes its frame once and is one event.
 */
export class Routing {
  constructor(
    private readonly hub: Hub,
    readonly bus: Bus,
  ) {}

  /** Sends a frame to its target; returns how many peers received it. */
  route(d: Routed): number {
    const frame: OutFrame = typeof d.frame === 'string' ? Buffer.from(d.frame) : d.frame;
    const sent = this.bus.send(d.to, frame);
    const n = sent.recipients.length;
    // A notice the relay had nobody to tell (the first peer of a group joining) is not traffic.
    if (d.from === 'relay' && n === 0) return n;
    const observers = this.hub.observers;
    if (!observers.wants('sent')) return n;
    const sender = d.from instanceof Peer ? d.from : undefined;
    const to = d.to;
    observers.sent({
      origin: d.from,
      protocol: sender?.protocol ?? targetProtocol(to),
      room: 'room' in to ? (to.room ?? null) : firstRoom(sender ?? ('peer' in to ? to.peer : undefined)),
      to: 'peer' in to ? to.peer.id : 'id' in to ? to.id : null,
      inbound: d.inbound,
      recipients: sent.recipients,
      frame: sent.frame,
    });
    return n;
  }

  /** A frame the relay makes for one peer: a reply, an id, an error. */
  reply(peer: Peer, frame: string | Buffer): boolean {
    return this.route({ from: 'relay', to: { peer }, frame }) === 1;
  }

  /** A client frame the relay answered itself (a command, a ping) or dropped: the observers see it once. */
  note(peer: Peer, inbound: string | Buffer, to: string | null = 'relay'): void {
    this.hub.observers.inbound({ peer, frame: inbound, to });
  }

  /** A client frame the relay will not take: the observers see it and why, then the peer is closed with the code. */
  refuse(peer: Peer, inbound: string | Buffer, code: number, reason: string): void {
    this.hub.observers.inbound({ peer, frame: inbound, to: null, refused: { code, reason } });
    this.hub.close(peer, code, reason);
  }
}

function targetProtocol(to: Target): ProtocolName {
  return 'peer' in to ? to.peer.protocol : to.protocol;
}

export function firstRoom(peer: Peer | undefined): string | null {
  for (const r of peer?.rooms ?? []) return r;
  return null;
}
