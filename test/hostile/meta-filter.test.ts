import { afterEach, describe, expect, it } from 'vitest';
import { Client } from '../helpers/client.js';
import { whileAlive } from '../helpers/liveness.js';
import { startRelay, type Running } from '../helpers/relay.js';

type Msg = Record<string, unknown>;

let relay: Running;
const clients: Client[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await relay.stop();
});

async function peer(meta: string): Promise<{ c: Client; id: string }> {
  const c = await Client.open(`${relay.url}/msg-relay`, { headers: { 'x-peer-group': 'glob', 'x-peer-meta': meta } });
  clients.push(c);
  return { c, id: (await c.json<Msg>()).connection_id as string };
}

describe('a meta_filter with many stars against long metadata', () => {
  // A backtracking regex took seconds on 2.4 KB of "a" for "*a*a*b" and grew with the cube of the length.
  it.each([
    ['*a*a*b', 3600],
    ['*a*a*a*a*a*a*a*a*b', 60 * 1024],
    ['*a?a*[ab]*a[!c]*b*', 60 * 1024],
  ])('%s over %i bytes of metadata is answered while a newcomer is served', async (filter, size) => {
    relay = await startRelay();
    const long = await peer('a'.repeat(size));
    const matching = await peer('a'.repeat(size - 1) + 'b');
    const asker = await peer('asker');
    await Promise.all([long.c.drain(50), matching.c.drain(50)]);
    const list = await whileAlive(relay, async () => {
      asker.c.sendJson({ to: 'host', command: 'list_peers', meta_filter: filter });
      return asker.c.json<Msg>(10_000);
    });
    expect(list).toMatchObject({ message_type: 'peer_list', meta_filter: filter });
    expect((list.peer_list as Msg[]).map((p) => p.connection_id)).toEqual([matching.id]);
  });

  it('as a group message, reaches exactly the peers it matches and nobody waits', async () => {
    relay = await startRelay();
    const long = await peer('a'.repeat(60 * 1024));
    const matching = await peer('a'.repeat(100) + 'b');
    const sender = await peer('sender');
    await Promise.all([long.c.drain(50), matching.c.drain(50)]);
    await whileAlive(relay, async () => {
      sender.c.sendJson({ to: 'group', meta_filter: '*a*a*a*a*a*a*b', msg: 'hi' });
      expect(await matching.c.json<Msg>()).toMatchObject({ msg: 'hi', from: sender.id });
    });
    expect(await long.c.drain(100)).toEqual([]);
  });
});
