import { afterEach, describe, expect, it } from 'vitest';
import { OP, RawSocket, frame } from '../fuzz/frames.js';
import { Channelstream } from '../helpers/channelstream.js';
import { Client } from '../helpers/client.js';
import { refusal } from '../helpers/refusal.js';

/** The relay's limits and access token against channelstream, whose connections are made over REST. */

let cs: Channelstream | undefined;
afterEach(async () => {
  await cs?.stop();
  cs = undefined;
});

const full = (open: number, more: number) => ({ request: `room limit reached: ${open} of at most 2 rooms are open and this would open ${more} more` });

/** Messages a long poll on the connection returns. */
async function poll(c: Channelstream, connId: string, headers: Record<string, string> = {}): Promise<Record<string, unknown>[]> {
  const r = await c.call<Record<string, unknown>[]>(`/listen?conn_id=${connId}`, { token: false, headers });
  expect(r.status).toBe(200);
  return r.json;
}

describe('channelstream and the room limit', () => {
  it('refuses a /connect that would open channels over the limit with 503, creating nothing', async () => {
    cs = await Channelstream.start({ maxRooms: 2 });
    await cs.connect('holder', ['a']);
    const r = await cs.call('/connect', { body: { username: 'u', channels: ['b', 'c'] } });
    expect({ status: r.status, body: r.json }).toEqual({ status: 503, body: full(1, 2) });
    const hub = cs.running.relay.hub;
    expect(hub.size).toBe(1);
    expect([...hub.allRooms()]).toEqual([['channelstream', 'a', 1]]);
    // One channel more still fits.
    expect((await cs.call('/connect', { body: { username: 'u', channels: ['b'] } })).status).toBe(200);
  });

  it('refuses a /subscribe over the limit with 503 and leaves a long-poll connection as it was', async () => {
    cs = await Channelstream.start({ maxRooms: 2 });
    const holder = await cs.connect('holder', ['a']);
    await cs.connect('other', ['b']);
    const r = await cs.call('/subscribe', { body: { conn_id: holder.conn_id, channels: ['a', 'c'] } });
    expect({ status: r.status, body: r.json }).toEqual({ status: 503, body: full(2, 1) });
    expect(cs.running.relay.hub.size).toBe(2);
    expect(cs.running.relay.log.recent().filter((e) => e.event === 'close')).toEqual([]);
    // The connection, which has no socket, still receives its channel over the long poll.
    const waiting = poll(cs, holder.conn_id);
    await new Promise((r) => setTimeout(r, 50));
    expect((await cs.post([{ channel: 'a', user: 'x', message: { text: 'still here' } }])).status).toBe(200);
    expect((await waiting).map((m) => m.message)).toContainEqual({ text: 'still here' });
  });
});

describe('channelstream and the connection limits', () => {
  it('counts the /ws sockets, not the connections made over REST, which the GC bounds instead', async () => {
    cs = await Channelstream.start({ maxConnections: 1 });
    const first = await cs.connect('u1', ['a']);
    const second = await cs.connect('u2', ['a']);
    const socket = await cs.socket(first.conn_id);
    expect(await refusal(`${cs.running.url}/ws?conn_id=${second.conn_id}`)).toMatchObject({ status: 503, body: 'connection limit reached: the relay holds 1 connections\n' });
    // The refused user can still listen by long poll.
    const waiting = poll(cs, second.conn_id);
    await new Promise((r) => setTimeout(r, 50));
    await cs.post([{ channel: 'a', user: 'x', message: { n: 1 } }]);
    expect((await waiting).map((m) => m.message)).toContainEqual({ n: 1 });
    await socket.close();
  });
});

describe('channelstream and the access token', () => {
  const bearer = { authorization: 'Bearer tok' };

  it('needs the token on the signed REST API as well as the signature, and on /listen and /ws', async () => {
    cs = await Channelstream.start({ accessToken: 'tok' });
    const signedOnly = await cs.call('/connect', { body: { username: 'u', channels: ['a'] } });
    expect(signedOnly.status).toBe(401);
    expect(signedOnly.text).toBe('an access token is required (Authorization: Bearer TOKEN, or ?token=TOKEN)\n');
    const made = await cs.call<{ conn_id: string }>('/connect', { body: { username: 'u', channels: ['a'] }, headers: bearer });
    expect(made.status).toBe(200);
    const id = made.json.conn_id;
    // The token alone opens no signed route: the signature is still checked.
    expect((await cs.call('/info', { token: false, headers: bearer })).status).toBe(403);
    expect((await cs.call(`/listen?conn_id=${id}`, { token: false })).status).toBe(401);
    expect(await poll(cs, id, bearer)).toEqual([]);
    expect(await refusal(`${cs.running.url}/ws?conn_id=${id}`)).toMatchObject({ status: 401 });
    const c = await Client.open(`${cs.running.url}/ws?conn_id=${id}&token=tok`);
    expect(await c.next()).toBe('[]');
    await c.close();
  });
});

describe('a channelstream socket that stops answering', () => {
  it('is closed with 1011 once it answers no ping, while a live socket stays', async () => {
    cs = await Channelstream.start({ channelstreamPongTimeoutMs: 300, channelstreamGcIdleMs: 60_000 });
    const live = await cs.connect('live', ['a']);
    const stalled = await cs.connect('stalled', ['a']);
    const socket = await cs.socket(live.conn_id);
    // A client that sent half a frame and went quiet, though it still reads what it is sent.
    const raw = await RawSocket.upgrade(cs.running.port, `/ws?conn_id=${stalled.conn_id}`);
    raw.write(frame(OP.text, 'y'.repeat(100)).subarray(0, 10));
    expect(await raw.closed()).toEqual({ code: 1011, reason: 'keepalive ping timeout: no pong in 1 s' });
    raw.destroy();
    expect([...cs.running.relay.hub.peers()].map((p) => p.id)).toEqual([live.conn_id]);
    await cs.post([{ channel: 'a', user: 'x', message: { text: 'still here' } }]);
    expect((await socket.event()).message).toEqual({ text: 'still here' });
    await socket.close();
  });
});
