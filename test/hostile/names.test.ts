/* eslint-disable @typescript-eslint/no-explicit-any -- replies are deep JSON read by path in assertions */
import { describe, expect, it } from 'vitest';
import { assertAlive } from '../helpers/liveness.js';
import { perTest } from '../helpers/session-scope.js';

/** Names that are also members of Object.prototype, and one that is not: each must behave like the last. */
const NAMES = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'plain'];

/** An object with this key as its own property, which a literal `{ __proto__: v }` would not make. */
const keyed = (key: string, value: unknown): Record<string, unknown> => JSON.parse(`{${JSON.stringify(key)}: ${JSON.stringify(value)}}`) as Record<string, unknown>;

const scope = perTest();
const open = scope.open;


describe.each(NAMES)('the name %s', (name) => {
  it('msg-relay: as a group, metadata, filter and message key, it works like any name', async () => {
    const relay = await scope.relay();
    const a = await open(`${relay.url}/msg-relay`, { 'x-peer-group': name, 'x-peer-meta': name.toLowerCase() });
    const aId = (await a.json()).connection_id as string;
    const b = await open(`${relay.url}/msg-relay`, { 'x-peer-group': name, 'x-peer-meta': 'other' });
    const bId = (await b.json()).connection_id as string;
    expect(await a.json()).toMatchObject({ message_type: 'peer_connect', peer: { connection_id: bId } });
    b.sendJson({ to: 'host', command: 'list_peers', meta_filter: name.toLowerCase() });
    expect((await b.json()).peer_list).toEqual([{ connection_id: aId, peer_meta: name.toLowerCase() }]);
    b.send(JSON.stringify({ to: aId, ...keyed(name, { x: 1 }) }));
    expect(await a.json()).toEqual({ to: aId, ...keyed(name, { x: 1 }), from: bId, message_type: 'peer_communication' });
    // A peer of another group never hears it.
    const outsider = await open(`${relay.url}/msg-relay`, { 'x-peer-group': `${name}-other` });
    await outsider.next();
    b.sendJson({ to: 'group', meta_filter: '*', n: 2 });
    expect(await a.json()).toMatchObject({ n: 2 });
    expect(await outsider.drain(100)).toEqual([]);
    await assertAlive(relay);
  });

  it('compendium: as a message type it is unknown, as a key of msg it is delivered', async () => {
    const relay = await scope.relay();
    const a = await open(`${relay.url}/compendium`);
    a.sendJson({ type: 'INIT' });
    const address = (await a.json()).EpheWssAddr as string;
    const b = await open(`${relay.url}/compendium`);
    b.sendJson({ type: 'ROUTE', EpheWssAddr: address, msg: keyed(name, [name]) });
    expect(await a.json()).toEqual({ type: 'DELIVER', msg: keyed(name, [name]) });
    b.sendJson({ type: 'ROUTE', EpheWssAddr: name, msg: 1 });
    expect(await b.json()).toEqual({ type: 'ERR', errCode: 404, errMsg: 'Socket address not found' });
    b.sendJson({ type: name });
    expect(await b.closed).toEqual({ code: 1011, reason: `unknown message type "${name}": expected INIT or ROUTE` });
    await assertAlive(relay);
  });

  it('spacewar: as a room and as a target, it works like any name', async () => {
    const relay = await scope.relay();
    const a = await open(`${relay.url}/ws-relay/${name}`);
    expect(await a.next()).toBe('1 self');
    const b = await open(`${relay.url}/ws-relay/${name}`);
    expect(await b.next()).toBe('2 self');
    expect(await b.next()).toBe('1 join');
    expect(await a.next()).toBe('2 join');
    b.send(`1 ${name} hi`);
    expect(await a.next()).toBe(`2 ${name} hi`);
    b.send(`${name} dropped`);
    expect(await a.drain(100)).toEqual([]);
    const other = await open(`${relay.url}/ws-relay/${name}x`);
    expect(await other.next()).toBe('1 self');
    await assertAlive(relay);
  });

  it('intercessor: as a server id it is unknown, as a type and message key it is relayed', async () => {
    const relay = await scope.relay();
    const server = await open(`${relay.url}/server`);
    const sid = ((await server.json()).message as { id: string }).id;
    const client = await open(`${relay.url}/client/${sid}`);
    const cid = ((await client.json()).message as { id: string }).id;
    expect(await server.json()).toMatchObject({ type: 'PEER_JOINED' });
    client.sendJson({ from: cid, to: sid, type: name, message: keyed(name, name) });
    expect(await server.json()).toEqual({ from: cid, to: sid, type: name, message: keyed(name, name) });
    const stray = await open(`${relay.url}/client/${name}`);
    expect(await stray.closed).toEqual({ code: 1008, reason: `no server with id ${name} is connected` });
    await assertAlive(relay);
  });

  it('channelstream: as a user, channel, state key, config key and message key, it works like any name', async () => {
    const cs = await scope.channelstream();
    const c = await cs.connect(name, [name], {
      user_state: { ...keyed(name, 'v'), other: 1 },
      state_public_keys: [name],
      channel_configs: keyed(name, { store_history: true, history_size: 3 }),
    });
    expect(c.username).toBe(name);
    expect(c.state).toEqual({ ...keyed(name, 'v'), other: 1 });
    expect(c.public_state).toEqual(keyed(name, 'v'));
    expect(c.channels).toEqual([name]);
    const info = (c.channels_info as any).channels;
    expect(Object.keys(info)).toEqual([name]);
    expect(info[name].settings).toMatchObject({ store_history: true, history_size: 3, notify_presence: false });
    const listener = await cs.socket(c.conn_id);
    const posted = await cs.post([{ channel: name, user: name, message: keyed(name, 1) }]);
    expect(posted.status).toBe(200);
    expect(await listener.event()).toMatchObject({ type: 'message', channel: name, user: name, message: keyed(name, 1) });
    const changed = await cs.call<any>('/user_state', { body: { user: name, user_state: keyed(name, 'w') } });
    expect(changed.json).toMatchObject({ user_state: { ...keyed(name, 'w'), other: 1 }, changed_state: [{ key: name, value: 'w' }] });
    // A state value that is not a scalar is refused under this key as under any other.
    const bad = await cs.call<any>('/user_state', { body: { user: name, user_state: keyed(name, [1]) } });
    expect(bad.status).toBe(422);
    expect(bad.json).toEqual({ user_state: keyed(name, { value: ['Value is not type of string, integer, boolean or float.'] }) });
    const all = await cs.call<any>('/info');
    expect(Object.keys(all.json.channels)).toEqual([name]);
    expect(all.json.channels[name].history).toHaveLength(1);
    await listener.close();
    await assertAlive(cs.running);
  });
});
