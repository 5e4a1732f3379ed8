import { createServer, type Server } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';

/**
 * The floor: the thinnest relay `ws` allows that still does a relay's job. It speaks the
 * spacewar frame shape ("<target> <rest>" in, "<source> <rest>" out, "*" for the room,
 * "<id> self" on join, the room is the request path) with no presence, limits, records or
 * checks, so one client adapter drives it and Switchboard alike.
 */
export async function startBareRelay(): Promise<{ server: Server; port: number }> {
  const rooms = new Map<string, { next: number; members: Map<string, WebSocket> }>();
  const server = createServer();
  const wss = new WebSocketServer({ server, perMessageDeflate: false, clientTracking: false });
  wss.on('connection', (ws, req) => {
    const key = req.url ?? '/';
    let room = rooms.get(key);
    if (!room) rooms.set(key, (room = { next: 1, members: new Map() }));
    const { members } = room;
    const id = String(room.next++);
    const prefix = Buffer.from(id + ' ');
    members.set(id, ws);
    ws.send(id + ' self');
    ws.on('message', (data: Buffer) => {
      const cut = data.indexOf(0x20);
      if (cut < 0) return;
      const target = data.toString('latin1', 0, cut);
      const out = Buffer.concat([prefix, data.subarray(cut + 1)]);
      if (target === '*') {
        for (const [other, peer] of members) if (other !== id) peer.send(out, { binary: false });
      } else members.get(target)?.send(out, { binary: false });
    });
    ws.on('close', () => {
      members.delete(id);
      if (members.size === 0) rooms.delete(key);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as { port: number }).port };
}
