import type { WebSocket } from 'ws';
import type { Core } from '../../core/core.js';
import { reportSocketError } from '../../core/socket.js';
import { PROTOCOL, type Engine } from './engine.js';
import { uuidParse } from './wire.js';

/** /ws?conn_id=: attaches a socket to a connection made by /connect. */
export function acceptSocket(engine: Engine, core: Core, ws: WebSocket, url: URL): void {
  const { hub, delivery, routing } = core;
  const refuse = (code: number, reason: string): void => {
    core.log.add('info', 'close', `${PROTOCOL} socket refused: ${code} ${reason}`, { protocol: PROTOCOL, code, reason });
    ws.close(code, reason);
  };
  const id = uuidParse(url.searchParams.get('conn_id'));
  if (!id) return refuse(1008, 'conn_id is missing or is not a UUID');
  const conn = engine.connections.get(id);
  // The original closes with 1000 at once for a connection it does not know.
  if (!conn) return refuse(1000, `unknown conn_id ${id}`);

  const previous = conn.link.attachSocket(ws);
  previous?.close(1000, 'another socket attached to this connection');
  ws.on('message', (data: Buffer) => {
    if (conn.link.socket !== ws) return;
    // The content is ignored: any frame only says the client is alive.
    conn.link.heard();
    if (!delivery.received(conn.peer, data)) return;
    routing.note(conn.peer, data, null);
    engine.markActive(conn);
  });
  ws.on('pong', () => {
    if (conn.link.socket === ws) conn.link.heard();
  });
  ws.on('close', (code: number, reason: Buffer) => {
    if (conn.link.detachSocket(ws)) hub.gone(conn.peer, code, reason.toString());
  });
  ws.on('error', (err: Error) => {
    // A socket another has replaced no longer speaks for the connection.
    if (conn.link.socket === ws) reportSocketError(core, conn.peer, ws, err);
  });
  engine.catchup(conn);
  // Attaching counts as activity, so a socket opened late is not collected before its first heartbeat (D8).
  engine.markActive(conn);
}
