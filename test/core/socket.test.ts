import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { createCore, type Core } from '../../relay/core/core.js';
import { EventLog } from '../../relay/core/log.js';
import { bindSocket, wsTransport, type FrameHandler } from '../../relay/core/socket.js';
import { Client } from '../helpers/client.js';

/** A real ws server on 127.0.0.1 whose one socket is bound to a fresh core with `onFrame`. */
async function serve(onFrame: (core: Core) => FrameHandler): Promise<{ core: Core; client: Client; wss: WebSocketServer }> {
  const core = createCore(new EventLog());
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((r) => wss.once('listening', r));
  wss.on('connection', (ws: WebSocket) => {
    const peer = core.hub.connect({ protocol: 'msg-relay', id: 'a', transport: wsTransport(ws, 1024), remote: '127.0.0.1' });
    bindSocket(core, peer, ws, { frame: onFrame(core) });
  });
  const client = await Client.open(`ws://127.0.0.1:${(wss.address() as { port: number }).port}`);
  return { core, client, wss };
}

let open: { client: Client; wss: WebSocketServer } | undefined;
afterEach(() => {
  open?.client.ws.terminate();
  open?.wss.close();
});

describe('bindSocket', () => {
  it("holds a peer's next frames while a handler waits, so replies keep the order they were asked in", async () => {
    const later: (() => void)[] = [];
    open = await serve((core) => (data) => {
      const peer = core.hub.peers().next().value!;
      const text = data.toString();
      // "slow" waits, as a frame does that needs an answer from another node.
      if (text !== 'slow') return void core.routing.reply(peer, `re ${text}`);
      return new Promise<void>((resolve) => later.push(resolve)).then(() => void core.routing.reply(peer, 're slow'));
    });
    const { client } = open;
    client.send('one');
    client.send('slow');
    client.send('two');
    client.send('three');
    expect(await client.next()).toBe('re one');
    await expect.poll(() => later.length).toBe(1);
    expect(await client.drain(200)).toEqual([]);
    later[0]!();
    expect([await client.next(), await client.next(), await client.next()]).toEqual(['re slow', 're two', 're three']);
  });

  it("closes only the peer whose handler failed, with 1011 and the error's message, sync or async", async () => {
    open = await serve(() => (data) => {
      if (data.toString() === 'async') return Promise.reject(new Error('it broke later'));
      throw new Error('it broke');
    });
    open.client.send('async');
    expect(await open.client.closed).toEqual({ code: 1011, reason: 'internal error: it broke later' });
    open.client.ws.terminate();
    open.wss.close();
    open = await serve(() => () => {
      throw new Error('it broke');
    });
    open.client.send('x');
    expect(await open.client.closed).toEqual({ code: 1011, reason: 'internal error: it broke' });
  });
});
