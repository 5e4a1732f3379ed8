import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Client } from '../helpers/client.js';
import { startRelay, type Running } from '../helpers/relay.js';

type Msg = Record<string, unknown>;

let relay: Running;
const clients: Client[] = [];

beforeEach(async () => {
  relay = await startRelay({ msgRelayMaxFrameBytes: 409_599 });
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await relay.stop();
});

/** Connects a peer and reads its connection_id message. */
async function peer(group?: string, meta?: string, path = '/'): Promise<{ c: Client; id: string }> {
  const headers: Record<string, string> = {};
  if (group !== undefined) headers['x-peer-group'] = group;
  if (meta !== undefined) headers['x-peer-meta'] = meta;
  const c = await Client.open(relay.url + path, { headers });
  clients.push(c);
  const hello = await c.json<Msg>();
  expect(hello.message_type).toBe('connection_id');
  return { c, id: hello.connection_id as string };
}

describe('msg-relay: connecting', () => {
  it('sends the connection_id message, with a 22-character base64url id', async () => {
    const c = await Client.open(relay.url + '/');
    clients.push(c);
    const hello = await c.json<Msg>();
    expect(Object.keys(hello)).toEqual(['from', 'to', 'connection_id', 'message_type']);
    expect(hello).toMatchObject({ from: 'host', message_type: 'connection_id' });
    expect(hello.to).toBe(hello.connection_id);
    expect(hello.connection_id).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });

  it('answers the connection_id command with the same message', async () => {
    const { c, id } = await peer('g');
    c.sendJson({ to: 'host', command: 'connection_id' });
    expect(await c.json()).toEqual({ from: 'host', to: id, connection_id: id, message_type: 'connection_id' });
  });

  it('is served on /, /msg-relay, /ws_msg_relay and any other path', async () => {
    for (const path of ['/msg-relay', '/ws_msg_relay', '/anything/else?x=1']) {
      const { id } = await peer('g', 'm', path);
      expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    }
  });

  it('tells peers of the same group, and only them, of joins and leaves (D1)', async () => {
    const a = await peer('room1', 'alpha');
    const other = await peer('room2', 'other');
    const b = await peer('ROOM1', 'Beta');
    expect(await a.c.json()).toEqual({
      from: 'host',
      to: a.id,
      peer: { connection_id: b.id, peer_meta: 'beta' },
      message_type: 'peer_connect',
    });
    await b.c.close();
    expect(await a.c.json()).toEqual({
      from: 'host',
      to: a.id,
      peer: { connection_id: b.id, peer_meta: 'beta' },
      message_type: 'peer_disconnect',
    });
    expect(await other.c.drain()).toEqual([]);
  });

  it('puts a peer without headers in group "kk" with 4 random hex characters of metadata', async () => {
    const a = await peer();
    const b = await peer('kk');
    b.c.sendJson({ to: 'host', command: 'list_peers', meta_filter: '*' });
    const list = await b.c.json<Msg>();
    expect(list.peer_list).toEqual([{ connection_id: a.id, peer_meta: expect.stringMatching(/^[0-9a-f]{4}$/) }]);
  });

  it('accepts metadata of 60 KiB, as the original did, and refuses a handshake over 64 KiB with 431', async () => {
    const big = 'm'.repeat(60 * 1024);
    const a = await peer('big', big);
    const b = await peer('big', 'x');
    b.c.sendJson({ to: 'host', command: 'list_peers', meta_filter: 'm*' });
    expect((await b.c.json<Msg>()).peer_list).toEqual([{ connection_id: a.id, peer_meta: big }]);
    const refused = new Client(relay.url, { headers: { 'x-peer-meta': 'm'.repeat(65 * 1024) } });
    await expect(refused.opened).rejects.toThrow('431');
  });

  it('takes the group and metadata from the query when headers are absent (E1), headers winning', async () => {
    const a = await peer(undefined, undefined, '/?group=Web&meta=Browser-1');
    const b = await peer('web', 'x', '/?group=other');
    b.c.sendJson({ to: 'host', command: 'list_peers', meta_filter: '*' });
    expect((await b.c.json<Msg>()).peer_list).toEqual([{ connection_id: a.id, peer_meta: 'browser-1' }]);
  });
});

describe('msg-relay: list_peers', () => {
  it('lists same-group peers but self, in connection order, filtered like fnmatch', async () => {
    const me = await peer('g', 'me');
    const p1 = await peer('g', 'client-1');
    const p2 = await peer('g', 'CLIENT-2');
    await peer('h', 'client-3');
    await me.c.drain(100);
    me.c.sendJson({ to: 'host', command: 'list_peers', meta_filter: 'client-?' });
    expect(await me.c.json()).toEqual({
      from: 'host',
      to: me.id,
      peer_list: [
        { connection_id: p1.id, peer_meta: 'client-1' },
        { connection_id: p2.id, peer_meta: 'client-2' },
      ],
      message_type: 'peer_list',
      meta_filter: 'client-?',
    });
    me.c.sendJson({ to: 'host', command: 'list_peers', meta_filter: 'CLIENT*' });
    expect((await me.c.json<Msg>()).peer_list).toEqual([]);
    me.c.sendJson({ to: 'host', command: 'list_peers', meta_filter: 'client-[!1]' });
    expect((await me.c.json<Msg>()).peer_list).toEqual([{ connection_id: p2.id, peer_meta: 'client-2' }]);
  });

  it('does not answer list_peers without meta_filter, nor an unknown command', async () => {
    const me = await peer('g');
    me.c.sendJson({ to: 'host', command: 'list_peers' });
    me.c.sendJson({ to: 'host', command: 'nonsense' });
    me.c.sendJson({ to: 'host' });
    expect(await me.c.drain()).toEqual([]);
    me.c.send('ping');
    expect(await me.c.next()).toBe('pong');
  });
});

describe('msg-relay: routing', () => {
  it('delivers unicast with from overwritten and message_type set, keeping the rest', async () => {
    const a = await peer('g', 'a');
    const b = await peer('g', 'b');
    await a.c.drain(100);
    a.c.sendJson({ msg: 'x', to: b.id, from: 'spoof', message_type: 'zzz', n: 1.5, u: 'é', nested: { k: [1, 2] } });
    const got = await b.c.json<Msg>();
    expect(got).toEqual({ msg: 'x', to: b.id, from: a.id, message_type: 'peer_communication', n: 1.5, u: 'é', nested: { k: [1, 2] } });
    expect(Object.keys(got)).toEqual(['msg', 'to', 'from', 'message_type', 'n', 'u', 'nested']);
    expect(await a.c.drain()).toEqual([]);
  });

  it('echoes a message a peer sends to its own id', async () => {
    const a = await peer('g');
    a.c.sendJson({ to: a.id, hi: 1 });
    expect(await a.c.json()).toEqual({ to: a.id, hi: 1, from: a.id, message_type: 'peer_communication' });
  });

  it('silently drops unicast to an unknown id or to a peer of another group', async () => {
    const a = await peer('g1');
    const b = await peer('g2');
    a.c.sendJson({ to: b.id, secret: true });
    a.c.sendJson({ to: 'nobody', x: 1 });
    a.c.sendJson({ to: 42, x: 1 });
    expect(await b.c.drain()).toEqual([]);
    expect(await a.c.drain()).toEqual([]);
  });

  it('multicasts to group with meta_filter, skipping the sender and other groups', async () => {
    const a = await peer('g', 'tech-a');
    const b = await peer('g', 'tech-b');
    const c = await peer('g', 'customer');
    const d = await peer('other', 'tech-d');
    await Promise.all([a.c.drain(100), b.c.drain(0), c.c.drain(0)]);
    a.c.sendJson({ to: 'group', meta_filter: 'tech-*', msg: 'hi' });
    expect(await b.c.json()).toEqual({ to: 'group', meta_filter: 'tech-*', msg: 'hi', from: a.id, message_type: 'peer_communication' });
    expect(await c.c.drain()).toEqual([]);
    expect(await d.c.drain(0)).toEqual([]);
    expect(await a.c.drain(0)).toEqual([]);
  });

  it('delivers a group message without meta_filter to nobody', async () => {
    const a = await peer('g');
    const b = await peer('g');
    await a.c.drain(100);
    a.c.sendJson({ to: 'group', msg: 'hi' });
    expect(await b.c.drain()).toEqual([]);
  });

  it('records one traffic record per fan-out with its recipient count', async () => {
    const a = await peer('fan', 'x');
    await peer('fan', 'x');
    await peer('fan', 'x');
    const from = relay.relay.tap.head;
    a.c.sendJson({ to: 'group', meta_filter: '*', msg: 'all' });
    await a.c.drain(100);
    const { records } = relay.relay.tap.read(from);
    expect(records.filter((r) => r.kind === 'message')).toEqual([
      expect.objectContaining({ protocol: 'msg-relay', room: 'fan', from: a.id, to: null, recipients: 2 }),
    ]);
  });
});

describe('msg-relay: closes and limits', () => {
  it.each([
    ['invalid JSON', 'not json', 1008, 'messages must be in JSON format'],
    ['a JSON array', '[1,2]', 1008, 'the message must be addressed to somewhere'],
    ['an object without "to"', '{"msg":1}', 1008, 'the message must be addressed to somewhere'],
    ['a non-string meta_filter', '{"to":"group","meta_filter":5}', 1008, 'meta_filter must be a string'],
  ])('closes on %s', async (_what, frame, code, reason) => {
    const a = await peer('g');
    const b = await peer('g');
    a.c.send(frame);
    expect(await a.c.closed).toEqual({ code, reason });
    // Only the sender's socket closes; the group hears it left.
    expect((await b.c.json<Msg>()).message_type).toBe('peer_disconnect');
    b.c.send('ping');
    expect(await b.c.next()).toBe('pong');
  });

  it('closes on a binary frame with 1003', async () => {
    const a = await peer('g');
    a.c.send(Buffer.from('{"to":"host"}'), true);
    expect(await a.c.closed).toEqual({ code: 1003, reason: 'Server Unsupported Data: Text Only' });
  });

  it('accepts a 409,599-byte frame and closes a 409,600-byte one with 1009 and a reason (D2)', async () => {
    const a = await peer('g');
    const b = await peer('g');
    await a.c.drain(100);
    const fill = (total: number): string => {
      const head = `{"to":"${b.id}","pad":"`;
      return head + 'x'.repeat(total - head.length - 2) + '"}';
    };
    a.c.send(fill(409_599));
    expect((await b.c.json<Msg>()).from).toBe(a.id);
    a.c.send(fill(409_600));
    expect(await a.c.closed).toEqual({ code: 1009, reason: 'message too big: the limit is 409599 bytes' });
  });

  it('closes every socket with 1001 and a reason when the relay stops', async () => {
    const a = await peer('g');
    await relay.relay.stop();
    expect(await a.c.closed).toEqual({ code: 1001, reason: 'Switchboard is shutting down' });
  });

  it('logs every close with its code and reason', async () => {
    const a = await peer('g');
    a.c.send('garbage');
    await a.c.closed;
    expect(relay.relay.log.recent().at(-1)).toMatchObject({ event: 'close', code: 1008, reason: 'messages must be in JSON format' });
  });
});

describe('msg-relay: keepalive', () => {
  it('pings a silent peer with "hey", and closes it with 1002 when it stays silent', async () => {
    await relay.stop();
    relay = await startRelay({ keepaliveTickSeconds: 1, msgRelayPingAfterSeconds: 1, msgRelayCloseAfterSeconds: 2 });
    // This client's library answers pings, as real clients do.
    const { c } = await peer('g');
    // autoPong off: this one stays silent, as a hung client would.
    const silent = new Client(relay.url + '/', { autoPong: false });
    clients.push(silent);
    const ping = new Promise<string>((resolve) => silent.ws.once('ping', (data: Buffer) => resolve(data.toString())));
    expect((await silent.json()).message_type).toBe('connection_id');
    expect(await ping).toBe('hey');
    expect(await silent.closed).toEqual({ code: 1002, reason: 'No pong received after 2 pings' });
    c.send('ping');
    expect(await c.next()).toBe('pong');
  });
});
