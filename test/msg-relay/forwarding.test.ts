import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Client } from '../helpers/client.js';
import { startRelay, type Running } from '../helpers/relay.js';

/**
 * What peers receive is the sender's message with `from` and `message_type` set, however it
 * was written; and a burst arrives whole, once and in order, though the relay sends the frames
 * one peer gets in one tick in one write.
 */

let relay: Running;
let clients: Client[] = [];

async function join(group: string): Promise<{ c: Client; id: string }> {
  const c = await Client.open(`${relay.url}/msg-relay?group=${group}&meta=m`);
  clients.push(c);
  const hello = await c.json<{ connection_id: string }>();
  return { c, id: hello.connection_id };
}

beforeEach(async () => {
  relay = await startRelay();
});

afterEach(async () => {
  await Promise.all(clients.map((c) => c.close()));
  clients = [];
  await relay.stop();
});

describe('msg-relay forwarding', () => {
  it('keeps the sender\'s keys in order and appends from and message_type', async () => {
    const a = await join('fwd');
    const b = await join('fwd');
    await a.c.next(); // b's peer_connect
    a.c.send(`{"to": "${b.id}", "d": "caf\u00e9 \\"quoted\\"", "n": [1, {"x": null}]}  \n`);
    const frame = await b.c.next();
    const m = JSON.parse(frame) as Record<string, unknown>;
    expect(Object.keys(m)).toEqual(['to', 'd', 'n', 'from', 'message_type']);
    expect(m).toEqual({ to: b.id, d: 'caf\u00e9 "quoted"', n: [1, { x: null }], from: a.id, message_type: 'peer_communication' });
  });

  it('overwrites a from or message_type the sender wrote, leaving one of each', async () => {
    const a = await join('spoof');
    const b = await join('spoof');
    await a.c.next();
    a.c.sendJson({ from: 'someone-else', to: b.id, message_type: 'connection_id', d: 1 });
    const frame = await b.c.next();
    expect(frame.match(/"from"/g)).toHaveLength(1);
    expect(frame.match(/"message_type"/g)).toHaveLength(1);
    expect(JSON.parse(frame)).toEqual({ from: a.id, to: b.id, message_type: 'peer_communication', d: 1 });
  });

  it('forwards a group message the same way to every matching peer', async () => {
    const a = await join('room');
    const b = await join('room');
    const c = await join('room');
    await a.c.next();
    await a.c.next();
    await b.c.next();
    a.c.send('{"to":"group","meta_filter":"*","d":"all"}');
    for (const r of [b, c]) expect(JSON.parse(await r.c.next())).toEqual({ to: 'group', meta_filter: '*', d: 'all', from: a.id, message_type: 'peer_communication' });
  });

  it('delivers a burst of frames to one peer whole and in order', async () => {
    const a = await join('burst');
    const b = await join('burst');
    await a.c.next();
    const count = 300;
    // Sent in one tick, so the relay reads the burst in few reads and answers each in one tick.
    for (let i = 0; i < count; i++) a.c.sendJson({ to: b.id, i, pad: 'x'.repeat(i * 7) });
    for (let i = 0; i < count; i++) expect(await b.c.json()).toMatchObject({ i, pad: 'x'.repeat(i * 7), from: a.id });
    expect(await b.c.drain(100)).toEqual([]);
  });
});
