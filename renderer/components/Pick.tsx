import type { ProtocolName, TrafficFilter } from '../../relay/console/types.js';
import { controller, store } from '../app.js';

/** Shows the traffic of one peer or one room: the Traffic view, filtered by it alone. */
export function showTraffic(filter: TrafficFilter): void {
  void controller.subscribeTraffic(filter);
  store.getState().setView('traffic');
}

/** A peer's wire id that filters the traffic by that peer when clicked. */
export function PeerPick({ id }: { id: string }) {
  if (id === 'relay' || id === 'operator') return <span className="mono">{id}</span>;
  return (
    <button
      className="pick mono"
      title={`Show the traffic of ${id}`}
      onClick={(e) => {
        e.stopPropagation();
        showTraffic({ peer: id });
      }}
    >
      {id}
    </button>
  );
}

/** A room that filters the traffic by it when clicked. */
export function RoomPick({ protocol, room }: { protocol: ProtocolName; room: string | null }) {
  if (room === null) return null;
  return (
    <button
      className="pick"
      title={`Show the traffic of room ${room}`}
      onClick={(e) => {
        e.stopPropagation();
        showTraffic({ protocol, room });
      }}
    >
      {room}
    </button>
  );
}
