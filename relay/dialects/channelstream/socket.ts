import type { Core } from '../../core/core.js';
import type { FrameHandler } from '../../core/socket.js';
import type { Arrival, Reception } from '../types.js';
import type { Engine } from './engine.js';
import type { Connection } from './state.js';
import { uuidParse } from './wire.js';

type SocketCore = Pick<Core, 'routing'>;

/** /ws?conn_id=: a socket for a connection made by /connect, or a refusal. */
export function receiveSocket(engine: Engine, core: SocketCore, a: Arrival): Reception {
  const id = uuidParse(a.url.searchParams.get('conn_id'));
  if (!id) return { id: '(no conn_id)', refuse: { code: 1008, reason: 'conn_id is missing or is not a UUID' } };
  const conn = engine.connections.get(id);
  // The original closes with 1000 at once for a connection it does not know.
  if (!conn) return { id, refuse: { code: 1000, reason: `unknown conn_id ${id}` } };
  return { link: conn.link, open: () => socketAttached(engine, core, conn) };
}

/** A socket is attached to its connection, in place of any other: the client is caught up. */
export function socketAttached(engine: Engine, core: SocketCore, conn: Connection): FrameHandler {
  engine.catchup(conn);
  // Attaching counts as activity, so a socket opened late is not collected before its first heartbeat (D8).
  engine.markActive(conn);
  return socketFrame(engine, core, conn);
}

/** What the client sends is noted and otherwise ignored: any frame only says it is alive. */
export function socketFrame(engine: Engine, { routing }: SocketCore, conn: Connection): FrameHandler {
  return (data) => {
    routing.note(conn.peer, data, null);
    engine.markActive(conn);
  };
}
