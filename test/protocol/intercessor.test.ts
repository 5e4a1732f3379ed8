import { describe, expect, it } from 'vitest';
import { InjectError } from '../../relay/dialects/types.js';
import { Client } from '../helpers/client.js';
import { freePort } from '../helpers/port.js';
import { RelaySession } from '../helpers/session.js';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

interface Frame {
  from: string;
  to: string;
  type: string;
  message: unknown;
}

const session = new RelaySession();

const open = (path: string): Promise<Client> => session.open(path);

/** The next frame, checked to have exactly the four keys in the original's order. */
async function frame(c: Client): Promise<Frame> {
  const f = await c.json<Frame>();
  expect(Object.keys(f)).toEqual(['from', 'to', 'type', 'message']);
  return f;
}

/** A server that has read its HELLO. */
async function server(path = '/server'): Promise<[Client, string]> {
  const s = await open(path);
  const hello = await frame(s);
  expect(hello.from).toBe('0');
  expect(hello.type).toBe('HELLO');
  expect(hello.to).toMatch(UUID_V4);
  expect(hello.message).toEqual({ id: hello.to });
  return [s, hello.to];
}

/** A client of that server that has read its HELLO; the server has read its PEER_JOINED. */
async function client(s: Client, sid: string): Promise<[Client, string]> {
  const c = await open(`/client/${sid}`);
  const hello = await frame(c);
  expect(hello).toEqual({ from: '0', to: hello.to, type: 'HELLO', message: { id: hello.to } });
  expect(hello.to).toMatch(UUID_V4);
  expect(await frame(s)).toEqual({ from: '0', to: sid, type: 'PEER_JOINED', message: { id: hello.to } });
  return [c, hello.to];
}

describe('intercessor signaling', () => {
  it('relays a full exchange: offers and answers, a client leaving, then the server', async () => {
    const [s, sid] = await server();
    const [c1, cid1] = await client(s, sid);
    const [c2, cid2] = await client(s, sid);
    expect(cid1).not.toBe(cid2);

    const offer = { type: 'offer', sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n' };
    s.sendJson({ from: sid, to: cid1, type: 'offer', message: offer });
    s.sendJson({ from: sid, to: cid2, type: 'offer', message: offer });
    expect(await frame(c1)).toEqual({ from: sid, to: cid1, type: 'offer', message: offer });
    expect(await frame(c2)).toEqual({ from: sid, to: cid2, type: 'offer', message: offer });

    const answer = { type: 'answer', sdp: 'v=0\r\n' };
    c1.sendJson({ from: cid1, to: sid, type: 'answer', message: answer });
    // D5: the README's form without "from" is accepted and filled in.
    c2.sendJson({ to: sid, type: 'answer', message: answer });
    expect(await frame(s)).toEqual({ from: cid1, to: sid, type: 'answer', message: answer });
    expect(await frame(s)).toEqual({ from: cid2, to: sid, type: 'answer', message: answer });

    c1.sendJson({ from: cid1, to: sid, type: 'candidate', message: { candidate: 'a=candidate:1' } });
    expect(await frame(s)).toEqual({ from: cid1, to: sid, type: 'candidate', message: { candidate: 'a=candidate:1' } });

    await c1.close();
    expect(await frame(s)).toEqual({ from: '0', to: sid, type: 'PEER_GONE', message: { id: cid1 } });
    expect(await c2.drain()).toEqual([]);

    await s.close();
    // D7: the client is told the server's id, then closed with a reason.
    expect(await frame(c2)).toEqual({ from: '0', to: cid2, type: 'PEER_GONE', message: { id: sid } });
    expect(await c2.closed).toEqual({ code: 1000, reason: `the server ${sid} has left` });
  });

  it('keeps each server\'s clients to itself', async () => {
    const [s1, sid1] = await server();
    const [s2, sid2] = await server();
    const [c1, cid1] = await client(s1, sid1);
    const [c2] = await client(s2, sid2);
    // A server cannot reach another server's client, nor itself; the frame is dropped.
    s2.sendJson({ from: sid2, to: cid1, type: 'x', message: 1 });
    s2.sendJson({ from: sid2, to: sid2, type: 'x', message: 2 });
    s2.sendJson({ from: sid2, to: 'nobody', type: 'x', message: 3 });
    expect(await c1.drain()).toEqual([]);
    expect(await s2.drain()).toEqual([]);
    expect(s2.ws.readyState).toBe(s2.ws.OPEN);
    // A client can only write to its own server.
    c2.sendJson({ to: sid1, type: 'x', message: 4 });
    const closed = await c2.closed;
    expect(closed.code).toBe(1008);
    expect(closed.reason).toMatch(/invalid message destination/);
    expect(await s1.drain()).toEqual([]);
  });

  it('ignores extra keys, accepts the four-element array form, and keeps any JSON message', async () => {
    const [s, sid] = await server();
    const [c, cid] = await client(s, sid);
    c.sendJson({ from: cid, to: sid, type: 't', message: null, extra: 'dropped' });
    expect(await frame(s)).toEqual({ from: cid, to: sid, type: 't', message: null });
    c.sendJson([cid, sid, 'arr', [1, 'two']]);
    expect(await frame(s)).toEqual({ from: cid, to: sid, type: 'arr', message: [1, 'two'] });
    s.sendJson({ from: sid, to: cid, type: 'n', message: 'text' });
    expect(await frame(c)).toEqual({ from: sid, to: cid, type: 'n', message: 'text' });
  });

  it('writes frames as compact JSON in the key order from, to, type, message', async () => {
    const s = await open('/server');
    expect(await s.next()).toMatch(/^\{"from":"0","to":"[0-9a-f-]{36}","type":"HELLO","message":\{"id":"[0-9a-f-]{36}"\}\}$/);
  });

  it('accepts /server with a query', async () => {
    await server('/server?anything=1');
  });
});

describe('intercessor connection rules', () => {
  it.each([
    ['an unknown server id', '/client/7d9f0c1e-0000-4000-8000-000000000000'],
    ['a percent-encoded server id (the segment is raw)', 'PERCENT'],
  ])('closes a client of %s at once with 1008 and a reason, sending nothing', async (_, path) => {
    const [, sid] = await server();
    const c = await open(path === 'PERCENT' ? `/client/${sid.replaceAll('-', '%2D')}` : path);
    expect(await c.closed).toMatchObject({ code: 1008, reason: expect.stringMatching(/^no server with id /) });
    expect(await c.drain(0)).toEqual([]);
  });

  it.each([
    ['invalid JSON', '{"from":', 1008, /invalid JSON/],
    ['a missing message', '{"to":"S","type":"t"}', 1008, /missing field "message"/],
    ['a type that is not a string', '{"to":"S","type":1,"message":{}}', 1008, /"type" must be a string/],
    ['a missing to', '{"type":"t","message":{}}', 1008, /"to" must be a string/],
    ['a from that is not a string', '{"from":1,"to":"S","type":"t","message":{}}', 1008, /"from" must be a string/],
    ['a wrong from', '{"from":"someone-else","to":"S","type":"t","message":{}}', 1008, /invalid message source/],
    ['a short array', '["a","b","c"]', 1008, /4 elements/],
    ['a non-object', '"hello"', 1008, /JSON object/],
  ])('closes a client that sends %s, and tells its server', async (_, text, code, reason) => {
    const [s, sid] = await server();
    const [c, cid] = await client(s, sid);
    c.send(text.replaceAll('"S"', JSON.stringify(sid)));
    const closed = await c.closed;
    expect(closed.code).toBe(code);
    expect(closed.reason).toMatch(reason);
    expect(await frame(s)).toEqual({ from: '0', to: sid, type: 'PEER_GONE', message: { id: cid } });
  });

  it('closes a client that sends a binary frame with 1003', async () => {
    const [s, sid] = await server();
    const [c] = await client(s, sid);
    c.send(Buffer.from(JSON.stringify({ to: sid, type: 't', message: {} })), true);
    expect((await c.closed).code).toBe(1003);
    expect((await frame(s)).type).toBe('PEER_GONE');
  });

  it('closes a server that claims another id, and its clients are told and closed', async () => {
    const [s, sid] = await server();
    const [c, cid] = await client(s, sid);
    s.sendJson({ from: cid, to: cid, type: 't', message: {} });
    const closed = await s.closed;
    expect(closed.code).toBe(1008);
    expect(closed.reason).toMatch(/invalid message source/);
    expect(await frame(c)).toEqual({ from: '0', to: cid, type: 'PEER_GONE', message: { id: sid } });
    expect((await c.closed).code).toBe(1000);
    const late = await open(`/client/${sid}`);
    expect((await late.closed).code).toBe(1008);
  });

  it('answers pings instead of disconnecting (D6)', async () => {
    const [s, sid] = await server();
    const pong = new Promise<string>((resolve) => s.ws.once('pong', (data: Buffer) => resolve(data.toString())));
    s.ws.ping('are you there');
    expect(await pong).toBe('are you there');
    const [c, cid] = await client(s, sid);
    s.sendJson({ from: sid, to: cid, type: 'still', message: 'open' });
    expect((await frame(c)).type).toBe('still');
  });

  it('pings a silent peer after 20 s and closes it with 1011 20 s later (D6)', async () => {
    const [s] = await server();
    const pinged = new Promise<void>((resolve) => s.ws.once('ping', () => resolve()));
    session.relay.core.keepalive.sweep(Date.now() + 20_500);
    await pinged;
    session.relay.core.keepalive.sweep(Date.now() + 40_500);
    expect(await s.closed).toEqual({ code: 1011, reason: 'keepalive ping timeout' });
  });

  it('closes a message over 1 MiB with 1009', async () => {
    const [s, sid] = await server();
    const [c, cid] = await client(s, sid);
    const shell = JSON.stringify({ to: sid, type: 'big', message: '' });
    const exact = shell.replace('"message":""', `"message":"${'x'.repeat(1024 * 1024 - shell.length)}"`);
    c.send(exact);
    expect((await s.json<Frame>(5000)).from).toBe(cid);
    c.send(exact + ' ');
    expect((await c.closed).code).toBe(1009);
  });
});

describe('intercessor on a pinned listener', () => {
  it('serves its paths and closes any other path with 1008 and a reason', async () => {
    const port = await freePort();
    await session.restart({ listeners: [`intercessor:${port}`] });
    const pinned = `ws://127.0.0.1:${port}`;
    const s = await session.open(`${pinned}/server`);
    expect((await frame(s)).type).toBe('HELLO');
    const stray = await session.open(`${pinned}/elsewhere`);
    expect(await stray.closed).toEqual({ code: 1008, reason: 'intercessor serves /server and /client/<server-id>, not /elsewhere' });
  });
});

describe('intercessor extensions (E2)', () => {
  it('sends serverInfo in every HELLO when configured', async () => {
    await session.restart({ intercessorServerInfo: 'room 42' });
    const s = await open('/server');
    const hello = await frame(s);
    expect(hello.message).toEqual({ id: hello.to, serverInfo: 'room 42' });
    const c = await open(`/client/${hello.to}`);
    const clientHello = await frame(c);
    expect(clientHello.message).toEqual({ id: clientHello.to, serverInfo: 'room 42' });
  });

  it('admits a server only with the configured passphrase', async () => {
    await session.restart({ intercessorServerPassphrase: 's3cret' });
    for (const path of ['/server', '/server?passphrase=wrong']) {
      const refused = await open(path);
      const closed = await refused.closed;
      expect(closed.code).toBe(1008);
      expect(closed.reason).toMatch(/passphrase/);
    }
    const [s, sid] = await server('/server?passphrase=s3cret');
    // Clients need no passphrase: the server's id is their secret.
    await client(s, sid);
  });
});

describe('intercessor operator messages (E4)', () => {
  it('come from "0", to one peer, a server with its clients, or everyone', async () => {
    const dialect = session.relay.dialects.get('intercessor')!;
    const [s, sid] = await server();
    const [c, cid] = await client(s, sid);
    const [other] = await server();
    const keyOf = (id: string) => [...session.relay.hub.peers('intercessor')].find((p) => p.id === id)!.key;
    const payload = JSON.stringify({ type: 'OPERATOR', message: { text: 'hi' } });
    expect(dialect.inject({ kind: 'peer', peer: keyOf(cid) }, payload)).toBe(1);
    expect(await frame(c)).toEqual({ from: '0', to: cid, type: 'OPERATOR', message: { text: 'hi' } });
    expect(dialect.inject({ kind: 'room', room: sid }, payload)).toBe(2);
    expect(await frame(s)).toEqual({ from: '0', to: sid, type: 'OPERATOR', message: { text: 'hi' } });
    expect(await frame(c)).toEqual({ from: '0', to: cid, type: 'OPERATOR', message: { text: 'hi' } });
    expect(await other.drain()).toEqual([]);
    expect(dialect.inject({ kind: 'everyone' }, payload)).toBe(3);
    expect((await frame(other)).type).toBe('OPERATOR');
    expect(() => dialect.inject({ kind: 'everyone' }, '{"message": 1}')).toThrow(InjectError);
    expect(() => dialect.inject({ kind: 'everyone' }, 'nope')).toThrow(InjectError);
    expect(() => dialect.inject({ kind: 'room', room: sid, filter: 'x' }, payload)).toThrow(InjectError);
  });
});
