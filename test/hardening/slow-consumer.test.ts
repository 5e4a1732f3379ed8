import { afterEach, describe, expect, it } from 'vitest';
import { OP, RawSocket, frame } from '../fuzz/frames.js';
import { Client } from '../helpers/client.js';
import { openWhenFree, refusal } from '../helpers/refusal.js';
import { startRelay, type Running } from '../helpers/relay.js';

type Msg = Record<string, unknown>;

const QUEUE = 64 * 1024;
const FRAME_PAD = 8 * 1024;
/** Far more than a loopback socket's kernel buffers can absorb, so the relay's own queue fills. */
const MAX_FLOOD_FRAMES = 8000;

let relay: Running;
const clients: Client[] = [];
afterEach(async () => {
  // A paused client would never see the close handshake finish.
  for (const c of clients) if (c.ws.isPaused) c.ws.terminate();
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await relay.stop();
});

async function peer(meta: string): Promise<{ c: Client; id: string }> {
  const c = await Client.open(`${relay.url}/?group=flood&meta=${meta}`);
  clients.push(c);
  return { c, id: (await c.json<Msg>()).connection_id as string };
}

/**
 * Floods the group from `from` until the relay closes `slow`, sampling the relay's queue for
 * `slow` after every frame. Returns how many frames were sent and the largest queue seen.
 */
async function floodUntilClosed(from: Client, slowId: string): Promise<{ sent: number; maxQueued: number }> {
  const slowPeer = [...relay.relay.hub.peers('msg-relay')].find((p) => p.id === slowId)!;
  const pad = 'x'.repeat(FRAME_PAD);
  let maxQueued = 0;
  let sent = 0;
  while (sent < MAX_FLOOD_FRAMES && !slowPeer.closing) {
    from.sendJson({ to: 'group', meta_filter: '*', n: sent, pad });
    sent++;
    // Let the relay read what was sent before sending more: the flooder is not the slow one.
    if (sent % 16 === 0) await new Promise((r) => setImmediate(r));
    maxQueued = Math.max(maxQueued, slowPeer.transport.bufferedAmount);
  }
  return { sent, maxQueued };
}

describe('a slow consumer', () => {
  it('is closed with 1013 and a reason once its queue is full; the relay stays bounded and the others keep going', async () => {
    relay = await startRelay({ maxQueueBytes: QUEUE });
    const slow = await peer('slow');
    const reader = await peer('reader');
    const flooder = await peer('flooder');
    await Promise.all([slow.c.drain(50), reader.c.drain(0)]);
    // ws pauses the TCP socket itself: nothing more is read from the kernel.
    slow.c.ws.pause();

    const { sent, maxQueued } = await floodUntilClosed(flooder.c, slow.id);
    expect(sent).toBeLessThan(MAX_FLOOD_FRAMES);
    // The relay never held more for it than the bound plus the one frame that tipped it over.
    expect(maxQueued).toBeLessThanOrEqual(QUEUE + FRAME_PAD + 200);

    const entry = relay.relay.log.recent().find((e) => e.event === 'close' && e.peer === slow.id);
    expect(entry).toMatchObject({ level: 'warn', code: 1013, reason: `send queue over ${QUEUE} bytes: the client is not reading fast enough` });
    const { records } = relay.relay.tap.read(1);
    expect(records.filter((r) => r.kind === 'drop' && r.to === slow.id)).toHaveLength(1);
    expect(relay.relay.core.delivery.counters['msg-relay'].drops).toBe(1);

    // The reader got every frame, in order, and heard the slow peer leave; the flooder is still served.
    const left = { message_type: 'peer_disconnect', peer: { connection_id: slow.id, peer_meta: 'slow' } };
    let heardLeave = false;
    for (let n = 0; n < sent; n++) {
      let got = await reader.c.json<Msg>();
      if (got.message_type === 'peer_disconnect') {
        expect(got).toMatchObject(left);
        heardLeave = true;
        got = await reader.c.json<Msg>();
      }
      expect(got.n).toBe(n);
    }
    if (!heardLeave) expect(await reader.c.json()).toMatchObject(left);
    expect(await flooder.c.json()).toMatchObject(left);
    flooder.c.send('ping');
    expect(await flooder.c.next()).toBe('pong');

    // When the slow client reads again it gets what was queued, then the explanation.
    slow.c.ws.resume();
    expect(await slow.c.closed).toEqual({ code: 1013, reason: `send queue over ${QUEUE} bytes: the client is not reading fast enough` });
  });

  it('that never reads again is let go after the close timeout, freeing its connection slot', async () => {
    relay = await startRelay({ maxQueueBytes: QUEUE, closeTimeoutMs: 200, maxConnections: 2 });
    const slow = await peer('slow');
    const flooder = await peer('flooder');
    await slow.c.drain(50);
    slow.c.ws.pause();
    await floodUntilClosed(flooder.c, slow.id);
    // The relay still holds the socket while it waits for the close handshake...
    expect((await refusal(relay.url)).status).toBe(503);
    // ...and drops it after closeTimeoutMs, so a new client gets in.
    clients.push(await openWhenFree(relay.url));
    slow.c.ws.terminate();
  });
});

describe('a client that keeps up', () => {
  it('gets a frame larger than the queue bound, since its queue was empty', async () => {
    relay = await startRelay({ maxQueueBytes: QUEUE });
    const a = await peer('a');
    const b = await peer('b');
    await a.c.drain(50);
    a.c.sendJson({ to: b.id, pad: 'y'.repeat(3 * QUEUE) });
    expect(((await b.c.json<Msg>()).pad as string).length).toBe(3 * QUEUE);
    expect(relay.relay.core.delivery.counters['msg-relay'].drops).toBe(0);
  });
});

describe('a client that floods pings and never reads the pongs', () => {
  it('is closed as a slow consumer once the pongs fill its queue', async () => {
    relay = await startRelay({ maxQueueBytes: QUEUE });
    const raw = await RawSocket.upgrade(relay.port, '/?group=pings');
    const peer = [...relay.relay.hub.peers()][0]!;
    raw.socket.pause();
    const ping = frame(OP.ping, 'p'.repeat(125));
    let sent = 0;
    let maxQueued = 0;
    // About 26 MB of pings: far past the kernel's buffers and the bound.
    while (sent < 200_000 && !peer.closing) {
      raw.write(ping);
      if (++sent % 500 === 0) await new Promise((r) => setImmediate(r));
      maxQueued = Math.max(maxQueued, peer.transport.bufferedAmount);
    }
    expect(peer.closing).toBe(true);
    expect(maxQueued).toBeLessThanOrEqual(QUEUE + 200);
    expect(relay.relay.log.recent().find((e) => e.event === 'close' && e.peer === peer.id)).toMatchObject({
      code: 1013,
      reason: `send queue over ${QUEUE} bytes: the client is not reading fast enough`,
    });
    raw.destroy();
  });
});
