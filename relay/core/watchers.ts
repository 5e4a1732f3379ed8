import type { ProtocolName } from '../config/schema.js';
import { PROTOCOLS } from '../config/schema.js';
import type { RoomWatcher } from './bus.js';
import type { PeerView } from './peer.js';

/** The room watchers of a bus, per protocol, called in the order they were added. */
export class RoomWatchers {
  private readonly lists = new Map<ProtocolName, RoomWatcher[]>(PROTOCOLS.map((p) => [p, []]));

  add(protocol: ProtocolName, watcher: RoomWatcher): () => void {
    const list = this.lists.get(protocol)!;
    list.push(watcher);
    return () => {
      const at = list.indexOf(watcher);
      if (at >= 0) list.splice(at, 1);
    };
  }

  entered(peer: PeerView, room: string, late = false): void {
    for (const w of this.lists.get(peer.protocol)!) w.entered?.(peer, room, late);
  }

  exited(peer: PeerView, room: string): void {
    for (const w of this.lists.get(peer.protocol)!) w.exited?.(peer, room);
  }
}
