import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '../helpers/client.js';
import { startCluster, type Cluster } from '../helpers/cluster.js';

/** msg-relay and spacewar with the two sides on different nodes: real processes, Redis and ws clients. */

let cluster: Cluster;
let a: string;
let b: string;
beforeAll(async () => {
  cluster = await startCluster(2);
  [a, b] = cluster.nodes.map((n) => n.url) as [string, string];
}, 30_000);
afterAll(() => cluster.stop());

const group = (name: string, meta: string) => ({ headers: { 'x-peer-group': name, 'x-peer-meta': meta } });

async function msgRelay(url: string, g: string, meta: string): Promise<{ c: Client; id: string }> {
  const c = await Client.open(`${url}/msg-relay`, group(g, meta));
  const hello = await c.json<{ connection_id: string }>();
  return { c, id: hello.connection_id };
}

describe('msg-relay across nodes', () => {
  it('announces peers, unicasts, sends to the group with meta_filter, and lists every node', async () => {
    const x = await msgRelay(a, 'g1', 'alpha');
    const y = await msgRelay(b, 'g1', 'beta');
    expect(await x.c.json()).toEqual({ from: 'host', to: x.id, peer: { connection_id: y.id, peer_meta: 'beta' }, message_type: 'peer_connect' });
    const z = await msgRelay(b, 'g1', 'alpine');
    expect((await x.c.json()).peer).toEqual({ connection_id: z.id, peer_meta: 'alpine' });
    expect((await y.c.json()).peer).toEqual({ connection_id: z.id, peer_meta: 'alpine' });

    x.c.sendJson({ to: y.id, text: 'to y' });
    expect(await y.c.json()).toEqual({ to: y.id, text: 'to y', from: x.id, message_type: 'peer_communication' });
    y.c.sendJson({ to: x.id, text: 'back' });
    expect((await x.c.json()).text).toBe('back');

    x.c.sendJson({ to: 'group', meta_filter: 'al*', text: 'alphas' });
    expect((await z.c.json()).text).toBe('alphas');
    expect(await y.c.drain(200)).toEqual([]);

    y.c.sendJson({ to: 'host', command: 'list_peers', meta_filter: '*' });
    const list = await y.c.json<{ peer_list: { connection_id: string; peer_meta: string }[] }>();
    expect(list.peer_list).toEqual([
      { connection_id: x.id, peer_meta: 'alpha' },
      { connection_id: z.id, peer_meta: 'alpine' },
    ]);

    await z.c.close();
    expect(await x.c.json()).toEqual({ from: 'host', to: x.id, peer: { connection_id: z.id, peer_meta: 'alpine' }, message_type: 'peer_disconnect' });
    expect((await y.c.json()).message_type).toBe('peer_disconnect');
    await x.c.close();
    await y.c.close();
  });

  it('keeps groups apart across nodes', async () => {
    const x = await msgRelay(a, 'left', 'm');
    const y = await msgRelay(b, 'right', 'm');
    x.c.sendJson({ to: y.id, text: 'not yours' });
    x.c.sendJson({ to: 'group', meta_filter: '*', text: 'nor this' });
    expect(await y.c.drain(300)).toEqual([]);
    await x.c.close();
    await y.c.close();
  });
});

describe('spacewar across nodes', () => {
  const room = (url: string, name: string): Promise<Client> => Client.open(`${url}/ws-relay/${name}`);

  it('numbers a room from 1 across nodes, lists members in join order, relays * and ids, and says quit', async () => {
    const one = await room(a, 'arena');
    expect(await one.next()).toBe('1 self');
    const two = await room(b, 'arena');
    expect([await two.next(), await two.next()]).toEqual(['2 self', '1 join']);
    expect(await one.next()).toBe('2 join');
    const three = await room(a, 'arena');
    expect([await three.next(), await three.next(), await three.next()]).toEqual(['3 self', '1 join', '2 join']);
    expect(await one.next()).toBe('3 join');
    expect(await two.next()).toBe('3 join');

    two.send('* pew');
    expect(await one.next()).toBe('2 pew');
    expect(await three.next()).toBe('2 pew');
    one.send('2 hi two');
    expect(await two.next()).toBe('1 hi two');
    expect(await three.drain(200)).toEqual([]);

    await two.close();
    expect(await one.next()).toBe('2 quit');
    expect(await three.next()).toBe('2 quit');
    await one.close();
    await three.close();
  });

  it('starts the numbers over once the room is empty on every node', async () => {
    const first = await room(a, 'again');
    expect(await first.next()).toBe('1 self');
    const second = await room(b, 'again');
    expect(await second.next()).toBe('2 self');
    await first.close();
    await second.close();
    // The last leave reaches Redis a moment after the close frame.
    let fresh = await room(b, 'again');
    for (let i = 0; i < 20 && (await fresh.next()) !== '1 self'; i++) {
      await fresh.close();
      await new Promise((r) => setTimeout(r, 50));
      fresh = await room(b, 'again');
    }
    await fresh.close();
  });
});
