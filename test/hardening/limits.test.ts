import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { Config } from '../../relay/config/schema.js';
import { Client } from '../helpers/client.js';
import { openWhenFree, refusal } from '../helpers/refusal.js';
import { startRelay, type Running } from '../helpers/relay.js';

type Msg = Record<string, unknown>;

let relay: Running | undefined;
const clients: Client[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await relay?.stop();
  relay = undefined;
});

async function start(overrides: Partial<Config>): Promise<Running> {
  relay = await startRelay(overrides);
  return relay;
}

/** A msg-relay peer that has read its connection_id. */
async function peer(url: string, options: ConstructorParameters<typeof Client>[1] = {}): Promise<{ c: Client; id: string }> {
  const c = await Client.open(url, options);
  clients.push(c);
  const hello = await c.json<Msg>();
  return { c, id: hello.connection_id as string };
}

async function pingPong(c: Client): Promise<void> {
  c.send('ping');
  expect(await c.next()).toBe('pong');
}

describe('the per-peer rate limit', () => {
  it('closes a peer over its burst with 1008 and a reason, and only that peer', async () => {
    const r = await start({ rateLimitPerSecond: 2, rateLimitBurst: 5 });
    const calm = await peer(`${r.url}/?group=g`);
    const flood = await peer(`${r.url}/?group=g`);
    for (let i = 0; i < 20; i++) flood.c.send('ping');
    expect(await flood.c.closed).toEqual({ code: 1008, reason: 'rate limit: over 2 messages a second (burst 5)' });
    expect(r.relay.log.recent().find((e) => e.event === 'close' && e.peer === flood.id)).toMatchObject({ code: 1008 });
    expect((await calm.c.json<Msg>()).message_type).toBe('peer_connect');
    expect((await calm.c.json<Msg>()).message_type).toBe('peer_disconnect');
    await pingPong(calm.c);
  });

  it('is off by default: a burst of 500 messages is answered in full', async () => {
    const r = await start({});
    const a = await peer(r.url);
    for (let i = 0; i < 500; i++) a.c.send('ping');
    for (let i = 0; i < 500; i++) expect(await a.c.next()).toBe('pong');
  });
});

describe('connection limits', () => {
  it('refuses one connection over the total with 503 and says why', async () => {
    const r = await start({ maxConnections: 2 });
    await peer(r.url);
    const b = await peer(r.url);
    expect(await refusal(r.url)).toMatchObject({ status: 503, body: 'connection limit reached: the relay holds 2 connections\n' });
    await b.c.close();
    // The slot frees once the socket has closed; the relay notices within a few ticks.
    clients.push(await openWhenFree(r.url));
    expect(r.relay.log.recent().find((e) => e.event === 'refused')).toMatchObject({ code: 503, message: expect.stringContaining('127.0.0.1 /: 503') });
  });

  it('refuses one connection over the per-address limit with 429, other addresses unaffected', async () => {
    const r = await start({ maxConnectionsPerAddress: 2 });
    await peer(r.url);
    await peer(r.url);
    expect(await refusal(r.url)).toMatchObject({ status: 429, body: 'connection limit reached: 2 connections from 127.0.0.1\n' });
    // Linux routes all of 127/8 to loopback: another source address is another client.
    const other = await peer(r.url, { localAddress: '127.0.0.2' });
    await pingPong(other.c);
  });
});

describe('the room limit', () => {
  /** A relay holding its limit of two rooms, a and b. */
  async function full(): Promise<{ r: Running; a: { c: Client; id: string } }> {
    const r = await start({ maxRooms: 2 });
    const a = await peer(`${r.url}/?group=a`);
    await peer(`${r.url}/?group=b`);
    return { r, a };
  }

  it('refuses a client whose group would be one room too many with 503, existing rooms still open', async () => {
    const { r, a } = await full();
    expect(await refusal(`${r.url}/?group=c`)).toMatchObject({ status: 503, body: 'room limit reached: 2 of at most 2 rooms are open and this would open 1 more\n' });
    const a2 = await peer(`${r.url}/?group=a`);
    expect((await a.c.json<Msg>()).message_type).toBe('peer_connect');
    await pingPong(a2.c);
  });

  it('closes a peer that joins a room one too many after connecting with 1013 and a reason', async () => {
    const { r, a } = await full();
    const hubPeer = [...r.relay.hub.peers()].find((p) => p.id === a.id)!;
    // What a protocol whose clients join rooms by message (not at the upgrade) does.
    expect(r.relay.hub.join(hubPeer, 'a')).toBe(true);
    expect(r.relay.hub.join(hubPeer, 'c')).toBe(false);
    expect(await a.c.closed).toEqual({ code: 1013, reason: 'room limit reached: 2 of at most 2 rooms are open and this would open 1 more' });
    expect([...r.relay.hub.allRooms()].map(([, room]) => room)).toEqual(['b']);
    // A peer that has left joins nothing, not even a room that exists: it would haunt it for good.
    expect(r.relay.hub.join(hubPeer, 'b')).toBe(false);
    expect([...r.relay.hub.allRooms()]).toEqual([['msg-relay', 'b', 1]]);
  });

  it('counts every room a request would open at once, not each alone', async () => {
    const r = await start({ maxRooms: 2 });
    await peer(`${r.url}/?group=a`);
    expect(r.relay.hub.roomsRefused('msg-relay', ['b'])).toBeUndefined();
    expect(r.relay.hub.roomsRefused('msg-relay', ['a', 'b', 'b'])).toBeUndefined();
    expect(r.relay.hub.roomsRefused('msg-relay', ['b', 'c'])).toBe('room limit reached: 1 of at most 2 rooms are open and this would open 2 more');
  });
});

describe('the metadata limit', () => {
  it('refuses metadata over maxMetaBytes with 431, from the header or the query', async () => {
    const r = await start({ maxMetaBytes: 100 });
    await peer(r.url, { headers: { 'x-peer-meta': 'm'.repeat(100) } });
    const expected = { status: 431, body: 'peer metadata is 101 bytes: the limit is 100\n' };
    expect(await refusal(r.url, { headers: { 'x-peer-meta': 'm'.repeat(101) } })).toMatchObject(expected);
    expect(await refusal(`${r.url}/?meta=${'m'.repeat(101)}`)).toMatchObject(expected);
  });

  it('accepts headers up to the original 64 KiB request and refuses more with 431', async () => {
    const r = await start({});
    const big = await peer(r.url, { headers: { 'x-peer-group': 'big', 'x-peer-meta': 'm'.repeat(60_000) } });
    const other = await peer(r.url, { headers: { 'x-peer-group': 'big' } });
    other.c.sendJson({ to: 'host', command: 'list_peers', meta_filter: '*' });
    expect((await other.c.json<Msg>()).peer_list).toEqual([{ connection_id: big.id, peer_meta: 'm'.repeat(60_000) }]);
    expect((await refusal(r.url, { headers: { 'x-peer-meta': 'm'.repeat(70_000) } })).status).toBe(431);
  });
});

describe('the handshake timeout', () => {
  it.each([
    ['sends nothing', ''],
    ['stops halfway through its headers', 'GET / HTTP/1.1\r\nHost: relay\r\nUpgrade: websocket\r\n'],
  ])('drops a connection that %s with 408', async (_what, partial) => {
    const r = await start({ handshakeTimeoutMs: 200 });
    const socket = connect(r.port, '127.0.0.1', () => socket.write(partial));
    let answer = '';
    socket.on('data', (d: Buffer) => (answer += d.toString()));
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    const deadline = new Promise<'still open'>((resolve) => setTimeout(() => resolve('still open'), 5000));
    expect(await Promise.race([closed, deadline])).toBeUndefined();
    expect(answer).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    socket.destroy();
    await pingPong((await peer(r.url)).c);
  });
});

describe('the access token', () => {
  it('refuses an upgrade without the token or with a wrong one with 401', async () => {
    const r = await start({ accessToken: 's3cret' });
    const missing = await refusal(r.url);
    expect(missing).toMatchObject({ status: 401, body: 'an access token is required (Authorization: Bearer TOKEN, or ?token=TOKEN)\n' });
    expect(missing.headers['www-authenticate']).toBe('Bearer realm="switchboard"');
    expect(await refusal(`${r.url}/?token=wrong`)).toMatchObject({ status: 401, body: 'the access token is wrong\n' });
    expect((await refusal(r.url, { headers: { authorization: 'Bearer s3cre' } })).status).toBe(401);
  });

  it('accepts it as a bearer header or a query parameter that the protocol never sees', async () => {
    const r = await start({ accessToken: 's3cret' });
    const a = await peer(r.url, { headers: { authorization: 'Bearer s3cret', 'x-peer-group': 'g' } });
    const b = await peer(`${r.url}/?token=s3cret&group=g&meta=web`);
    expect((await a.c.json<Msg>()).peer).toEqual({ connection_id: b.id, peer_meta: 'web' });
    b.c.sendJson({ to: a.id, hi: 1 });
    expect(await a.c.json()).toEqual({ to: a.id, hi: 1, from: b.id, message_type: 'peer_communication' });
  });

  it('guards the protocols but not /healthz', async () => {
    const r = await start({ accessToken: 's3cret' });
    const base = `http://127.0.0.1:${r.port}`;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const res = await fetch(`${base}/some/protocol/path`);
    expect(res.status).toBe(401);
    expect((await fetch(`${base}/some/protocol/path?token=s3cret`)).status).toBe(404);
  });
});

describe('the Origin allow-list', () => {
  it('refuses a browser from another origin with 403, and lets listed origins and non-browsers in', async () => {
    const r = await start({ allowedOrigins: ['http://good.example', 'https://console.example:8443'] });
    expect(await refusal(r.url, { origin: 'http://evil.example' })).toMatchObject({ status: 403, body: 'origin http://evil.example is not allowed here\n' });
    await pingPong((await peer(r.url, { origin: 'http://GOOD.example' })).c);
    await pingPong((await peer(r.url, { origin: 'https://console.example:8443' })).c);
    await pingPong((await peer(r.url)).c);
  });
});
