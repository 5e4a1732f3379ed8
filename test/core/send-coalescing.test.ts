import { afterEach, beforeEach, expect, it } from 'vitest';
import { Client } from '../helpers/client.js';
import { startRelay, type Running } from '../helpers/relay.js';

/** Frames sent to one peer in the same tick share a write: each must still arrive whole, once and in order. */

let relay: Running;
let clients: Client[] = [];

beforeEach(async () => {
  relay = await startRelay();
});

afterEach(async () => {
  await Promise.all(clients.map((c) => c.close()));
  clients = [];
  await relay.stop();
});

it('delivers a burst of frames to one peer whole and in order', async () => {
  const open = async (): Promise<{ c: Client; id: string }> => {
    const c = await Client.open(`${relay.url}/msg-relay?group=burst`);
    clients.push(c);
    return { c, id: (await c.json<{ connection_id: string }>()).connection_id };
  };
  const a = await open();
  const b = await open();
  await a.c.next();
  const count = 300;
  // One write on the client side: the relay reads the whole burst in one go and answers it in one tick.
  for (let i = 0; i < count; i++) a.c.sendJson({ to: b.id, i, pad: 'x'.repeat(i * 7) });
  for (let i = 0; i < count; i++) {
    const m = await b.c.json<{ i: number; pad: string; from: string }>();
    expect(m).toMatchObject({ i, pad: 'x'.repeat(i * 7), from: a.id });
  }
  expect(await b.c.drain(100)).toEqual([]);
});
