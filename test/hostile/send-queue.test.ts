import { afterEach, describe, expect, it } from 'vitest';
import { OP, RawSocket, frame } from '../fuzz/frames.js';
import { Client } from '../helpers/client.js';
import { assertAlive, whileAlive } from '../helpers/liveness.js';
import { startRelay, type Running } from '../helpers/relay.js';
import type { Peer } from '../../relay/core/peer.js';

type Msg = Record<string, unknown>;

const QUEUE = 64 * 1024;
const SLOW = `send queue over ${QUEUE} bytes: the client is not reading fast enough`;

let relay: Running;
const clients: Client[] = [];
const raws: RawSocket[] = [];
afterEach(async () => {
  for (const r of raws.splice(0)) r.destroy();
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await relay.stop();
});

async function member(group: string, meta: string): Promise<Client> {
  const c = await Client.open(`${relay.url}/msg-relay`, { headers: { 'x-peer-group': group, 'x-peer-meta': meta } });
  clients.push(c);
  await c.next();
  return c;
}

/** A raw client in the group that has stopped reading: the kernel holds what it has not taken. */
async function stalledReader(group: string): Promise<{ raw: RawSocket; peer: Peer }> {
  const raw = await RawSocket.upgrade(relay.port, `/msg-relay?group=${group}&meta=stalled`);
  raws.push(raw);
  raw.socket.pause();
  const peer = [...relay.relay.hub.peers('msg-relay')].find((p) => p.meta === 'stalled')!;
  return { raw, peer };
}

/** Samples the bytes the relay holds for a peer, every turn of the loop, until it is closed or the time is up. */
async function watchQueue(peer: Peer, ms: number): Promise<number> {
  let most = 0;
  const until = Date.now() + ms;
  while (!peer.closing && Date.now() < until) {
    most = Math.max(most, peer.transport.bufferedAmount);
    await new Promise((r) => setImmediate(r));
  }
  return most;
}

const closeOf = (peer: Peer): unknown => relay.relay.log.recent().find((e) => e.event === 'close' && e.peer === peer.id);

describe('a reader that stops reading', () => {
  it('is closed with 1013 when a thousand requests in one write make replies past the bound', async () => {
    relay = await startRelay({ maxQueueBytes: QUEUE });
    // Two members with 16 KiB of metadata each make every reply about 33 KB.
    await member('burst', 'm'.repeat(16 * 1024));
    await member('burst', 'n'.repeat(16 * 1024));
    const { raw, peer } = await stalledReader('burst');
    const request = frame(OP.text, JSON.stringify({ to: 'host', command: 'list_peers', meta_filter: '*' }));
    const most = await whileAlive(relay, async () => {
      raw.write(Buffer.concat(Array.from({ length: 1000 }, () => request)));
      return watchQueue(peer, 10_000);
    });
    expect(peer.closing).toBe(true);
    expect(closeOf(peer)).toMatchObject({ code: 1013, reason: SLOW });
    // At most the bound and the reply that tipped it over (plus the kernel's share, outside the relay).
    expect(most).toBeLessThanOrEqual(QUEUE + 34 * 1024);
  });

  it('is closed with 1013 when a fan-out burst in one write passes the bound', async () => {
    relay = await startRelay({ maxQueueBytes: QUEUE });
    const sender = await member('fan', 'sender');
    const { peer } = await stalledReader('fan');
    const burst = frame(OP.text, JSON.stringify({ to: 'group', meta_filter: 'stalled', pad: 'p'.repeat(30 * 1024) }));
    const raw = await RawSocket.upgrade(relay.port, '/msg-relay?group=fan&meta=flooder');
    raws.push(raw);
    await sender.drain(100);
    const most = await whileAlive(relay, async () => {
      raw.write(Buffer.concat(Array.from({ length: 400 }, () => burst)));
      return watchQueue(peer, 10_000);
    });
    expect(closeOf(peer)).toMatchObject({ code: 1013, reason: SLOW });
    expect(most).toBeLessThanOrEqual(QUEUE + 31 * 1024);
    // The sender is still served: past the stalled peer's peer_disconnect comes its pong.
    sender.send('ping');
    const heard = [await sender.next(), await sender.next()];
    expect(heard[1]).toBe('pong');
    expect(JSON.parse(heard[0]!)).toMatchObject({ message_type: 'peer_disconnect', peer: { peer_meta: 'stalled' } });
  });
});

describe('a client that answers pings but reads nothing', () => {
  it('cannot hold a stalled queue: it is closed with 1013 once its queue has not moved for the silence limit', async () => {
    relay = await startRelay({ maxQueueBytes: 16 * 1024 * 1024, keepaliveTickSeconds: 1, msgRelayPingAfterSeconds: 1, msgRelayCloseAfterSeconds: 2 });
    const sender = await member('stall', 'sender');
    const { raw, peer } = await stalledReader('stall');
    // Fill the kernel's buffers until the relay itself holds bytes for the stalled client.
    const pad = 'q'.repeat(256 * 1024);
    for (let i = 0; i < 200 && peer.transport.bufferedAmount === 0; i++) {
      sender.sendJson({ to: 'group', meta_filter: 'stalled', pad });
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(peer.transport.bufferedAmount).toBeGreaterThan(0);
    // Pongs written blind, without reading, say the client is alive.
    const pong = frame(OP.pong, 'alive');
    const timer = setInterval(() => raw.write(pong), 200);
    try {
      await watchQueue(peer, 8000);
    } finally {
      clearInterval(timer);
    }
    expect(closeOf(peer)).toMatchObject({ code: 1013, reason: 'send queue stalled: the client has taken nothing for 2 s' });
    await assertAlive(relay);
  });
});

describe('a list_peers reply that would pass the frame limit', () => {
  it('lists the matches that fit, in connection order, and says "truncated": true (D-mr7)', async () => {
    const limit = 8 * 1024;
    relay = await startRelay({ msgRelayMaxFrameBytes: limit });
    const metas = Array.from({ length: 12 }, (_, i) => `${String(i).padStart(2, '0')}-${'x'.repeat(1000)}`);
    for (const meta of metas) await member('big', meta);
    const asker = await member('big', 'asker');
    asker.sendJson({ to: 'host', command: 'list_peers', meta_filter: '[0-9]*' });
    const raw = await asker.next();
    expect(Buffer.byteLength(raw)).toBeLessThanOrEqual(limit);
    const reply = JSON.parse(raw) as Msg;
    expect(reply).toMatchObject({ message_type: 'peer_list', meta_filter: '[0-9]*', truncated: true });
    const listed = (reply.peer_list as Msg[]).map((p) => p.peer_meta);
    // Eight entries of about 1 KB fit in 8 KiB; they are the first eight to connect.
    expect(listed).toEqual(metas.slice(0, listed.length));
    expect(listed.length).toBeGreaterThanOrEqual(6);
    // A filter that fits says nothing of truncation, as the original's reply never did.
    asker.sendJson({ to: 'host', command: 'list_peers', meta_filter: '00-*' });
    const small = await asker.json<Msg>();
    expect(small).not.toHaveProperty('truncated');
    expect((small.peer_list as Msg[]).map((p) => p.peer_meta)).toEqual([metas[0]]);
    await assertAlive(relay);
  });
});
