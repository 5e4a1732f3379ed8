import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import WebSocket from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { serveConsole, type ConsoleServer } from '../../relay/console/http.js';
import { ConsoleService, type ConsoleServiceOptions, type ConsoleSession } from '../../relay/console/service.js';
import type { ConsoleEvent } from '../../relay/console/types.js';
import { Client } from '../helpers/client.js';
import { assertAlive } from '../helpers/liveness.js';
import { startRelay, type Running } from '../helpers/relay.js';

/** ConsoleService over a real relay with real msg-relay peers on real sockets. */

const open: { close(): unknown }[] = [];
let relay: Running;
let service: ConsoleService;

afterEach(async () => {
  for (const c of open.splice(0).reverse()) await c.close();
  service?.stop();
  await relay?.stop();
});

async function setup(overrides: Parameters<typeof startRelay>[0] = {}, options: ConsoleServiceOptions = {}): Promise<ConsoleSession> {
  relay = await startRelay(overrides);
  service = new ConsoleService(relay.relay, { batchMs: 20, statsMs: 100, ...options });
  return service.session();
}

async function peer(group: string, meta: string): Promise<{ client: Client; id: string }> {
  const client = await Client.open(`${relay.url}/msg-relay?group=${group}&meta=${meta}`);
  open.push(client);
  for (let i = 0; i < 10; i++) {
    const m = await client.json();
    if (m.message_type === 'connection_id') return { client, id: m.connection_id as string };
  }
  throw new Error('no connection_id');
}

/** Collects a session's events until one passes the test. */
function waitFor<T extends ConsoleEvent>(s: ConsoleSession, test: (e: ConsoleEvent) => e is T, ms = 3000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error('no such event'));
    }, ms);
    const off = s.onEvent((e) => {
      if (!test(e)) return;
      clearTimeout(timer);
      off();
      resolve(e);
    });
  });
}

describe('ConsoleService', () => {
  it('announces peers with their rooms and ticks stats with rates', async () => {
    const s = await setup();
    const joined = waitFor(s, (e): e is Extract<ConsoleEvent, { type: 'peerJoined' }> => e.type === 'peerJoined');
    const a = await peer('lobby', 'alice');
    const j = await joined;
    expect(j.peer).toMatchObject({ id: a.id, protocol: 'msg-relay', rooms: ['lobby'], meta: 'alice', remote: '127.0.0.1' });
    const busy = waitFor(s, (e): e is Extract<ConsoleEvent, { type: 'stats' }> => e.type === 'stats' && e.stats.rates.msgsInPerSec > 0);
    a.client.sendJson({ to: 'nobody', text: 'x' });
    const st = await busy;
    expect(st.stats.peers).toBe(1);
    expect(st.stats.byProtocol['msg-relay'].connections).toBe(1);
    const left = waitFor(s, (e): e is Extract<ConsoleEvent, { type: 'peerLeft' }> => e.type === 'peerLeft');
    await a.client.close(1000);
    expect(await left).toMatchObject({ id: a.id, code: 1000 });
    const snap = await s.request('snapshot', {});
    expect(snap.protocols).toContain('msg-relay');
    expect(snap.history.length).toBeGreaterThan(0);
    expect(snap.templates['msg-relay']).toContain('{');
    expect(snap.payloadFormats).toMatchObject({ 'msg-relay': 'json', spacewar: 'text' });
  });

  it('pages and filters peers in the relay', async () => {
    const s = await setup();
    // A "." is never in a msg-relay id (base64url), so the text search below can match only the metadata.
    for (let i = 0; i < 6; i++) await peer(i % 2 ? 'odd' : 'even', `m.${i}`);
    const all = await s.request('peers', { offset: 2, limit: 3 });
    expect(all.total).toBe(6);
    expect(all.peers).toHaveLength(3);
    const odd = await s.request('peers', { filter: { room: 'odd' } });
    expect(odd.total).toBe(3);
    expect(odd.peers.every((p) => p.rooms[0] === 'odd')).toBe(true);
    await expect(s.request('peers', { filter: { protocol: 'nope' as 'msg-relay' } })).rejects.toThrow(/filter\.protocol must be one of .*, got "nope"/);
    await expect(s.request('subscribeTraffic', { filter: { text: 5 as unknown as string } })).rejects.toThrow(/text must be text/);
    const m4 = await s.request('peers', { filter: { text: 'M.4' } });
    expect(m4.peers.map((p) => p.meta)).toEqual(['m.4']);
    const rooms = await s.request('rooms', {});
    expect(rooms).toEqual([
      { protocol: 'msg-relay', room: 'even', members: 3 },
      { protocol: 'msg-relay', room: 'odd', members: 3 },
    ]);
    expect((await s.request('roomMembers', { protocol: 'msg-relay', room: 'even' })).map((p) => p.meta)).toEqual(['m.0', 'm.2', 'm.4']);
  });

  it('sends a session only the traffic its filter asks for, in batches', async () => {
    const s = await setup();
    const a = await peer('lobby', 'alice');
    const b = await peer('lobby', 'bob');
    await s.request('subscribeTraffic', { filter: { kinds: ['message'], text: 'NEEDLE' } });
    const got = waitFor(s, (e): e is Extract<ConsoleEvent, { type: 'traffic' }> => e.type === 'traffic');
    a.client.sendJson({ to: b.id, text: 'hay' });
    a.client.sendJson({ to: b.id, text: 'a needle' });
    const batch = await got;
    expect(batch.records.map((r) => r.preview)).toEqual([JSON.stringify({ to: b.id, text: 'a needle' })]);
    expect(batch.records[0]).toMatchObject({ kind: 'message', from: a.id, to: b.id, recipients: 1, room: 'lobby' });
    expect(batch.skipped).toBe(0);
  });

  it('counts what a congested session skipped, and never holds the relay back', async () => {
    const s = await setup({ tapCapacity: 100 });
    const a = await peer('lobby', 'alice');
    let congested = true;
    s.congested = () => congested;
    await s.request('subscribeTraffic', {});
    for (let i = 0; i < 250; i++) a.client.sendJson({ to: 'nobody', n: i });
    await expect.poll(() => relay.relay.core.delivery.counters['msg-relay'].msgsIn).toBe(250);
    const got = waitFor(s, (e): e is Extract<ConsoleEvent, { type: 'traffic' }> => e.type === 'traffic');
    congested = false;
    const batch = await got;
    expect(batch.skipped).toBeGreaterThan(0);
    expect(batch.skipped + batch.records.length).toBeGreaterThanOrEqual(250);
    expect(batch.records.at(-1)!.preview).toContain('"n":249');
  });

  it('sends an unfiltered session that fell behind only the newest batch, and counts every record it skipped', async () => {
    const s = await setup({}, { maxBatch: 50 });
    const a = await peer('lobby', 'alice');
    let congested = true;
    s.congested = () => congested;
    const { from } = await s.request('subscribeTraffic', {});
    for (let i = 0; i < 250; i++) a.client.sendJson({ to: 'nobody', n: i });
    await expect.poll(() => relay.relay.core.delivery.counters['msg-relay'].msgsIn).toBe(250);
    const head = relay.relay.tap.head;
    const got = waitFor(s, (e): e is Extract<ConsoleEvent, { type: 'traffic' }> => e.type === 'traffic');
    congested = false;
    const batch = await got;
    expect(batch.records).toHaveLength(50);
    expect(batch.records.map((r) => r.seq)).toEqual(Array.from({ length: 50 }, (_, i) => head - 50 + i));
    expect(batch.skipped).toBe(head - from - 50);
  });

  it('drops a UI listener that throws, logs its stack, and every other session keeps its events', async () => {
    const s = await setup();
    const broken = service.session();
    let thrown = 0;
    broken.onEvent(() => {
      thrown++;
      throw new Error('a broken UI');
    });
    await broken.request('subscribeTraffic', {});
    await s.request('subscribeTraffic', {});
    const a = await peer('lobby', 'alice');
    const got = waitFor(s, (e): e is Extract<ConsoleEvent, { type: 'traffic' }> => e.type === 'traffic' && e.records.some((r) => r.preview.includes('still-flowing')));
    a.client.sendJson({ to: 'nobody', text: 'still-flowing' });
    await got;
    await expect.poll(() => relay.relay.log.recent().filter((e) => e.level === 'error' && e.message.startsWith('console listener: Error: a broken UI'))).toHaveLength(1);
    // Once dropped it is not called again: not by the pump, the stats tick or the log entry it caused.
    expect(thrown).toBe(1);
    await assertAlive(relay);
  });

  it('kicks with a code and a reason, and refuses a code that cannot be sent', async () => {
    const s = await setup();
    const a = await peer('lobby', 'alice');
    const key = (await s.request('peers', {})).peers[0]!.key;
    await expect(s.request('kick', { key, code: 1006 })).rejects.toThrow(/close code 1006 cannot be sent/);
    expect(await s.request('kick', { key, code: 4100, reason: 'go home' })).toEqual({ kicked: true });
    expect(await a.client.closed).toEqual({ code: 4100, reason: 'go home' });
    expect(await s.request('kick', { key })).toEqual({ kicked: false });
    expect((await s.request('log', {})).some((e) => e.event === 'kick' && e.code === 4100)).toBe(true);
  });

  it('injects through the dialect to a room with a metadata filter', async () => {
    const s = await setup();
    const a = await peer('lobby', 'viewer-1');
    const b = await peer('lobby', 'player-1');
    await b.client.drain(50);
    await a.client.drain(50);
    const r = await s.request('inject', { protocol: 'msg-relay', target: { kind: 'room', room: 'lobby', filter: 'viewer-*' }, payload: '{"say":"hi"}' });
    expect(r).toEqual({ recipients: 1 });
    expect(await a.client.json()).toMatchObject({ say: 'hi', from: 'host' });
    expect(await b.client.drain(100)).toEqual([]);
    await expect(s.request('inject', { protocol: 'msg-relay', target: { kind: 'everyone' }, payload: 'not json' })).rejects.toThrow(/not valid JSON/);
    await expect(s.request('inject', { protocol: 'nope' as 'msg-relay', target: { kind: 'everyone' }, payload: '{}' })).rejects.toThrow(/inject: protocol must be one of .*, got "nope"/);
    await expect(s.request('bogus' as 'log', {})).rejects.toThrow(/unknown console request "bogus"/);
  });

  it('updates settings: names a bad key, moves the listeners, keeps open sockets', async () => {
    const s = await setup();
    const a = await peer('lobby', 'alice');
    await expect(s.request('updateSettings', { patch: { port: 70000 } })).rejects.toThrow(/key "port": 70000 is outside 0..65535/);
    await expect(s.request('updateSettings', { patch: { nope: 1 } as never })).rejects.toThrow(/unknown key "nope"/);
    const settingsEvent = waitFor(s, (e): e is Extract<ConsoleEvent, { type: 'settings' }> => e.type === 'settings');
    const r = await s.request('updateSettings', { patch: { port: 0, msgRelayDefaultGroup: 'other' } });
    expect(r.restarted).toBe(false);
    expect(r.pending).toEqual(['msgRelayDefaultGroup']);
    await settingsEvent;
    await expect(s.request('updateSettings', { patch: { listeners: ['msg-relay:0'] } })).rejects.toThrow(/key "listeners"/);
    const r2 = await s.request('updateSettings', { patch: { host: '0.0.0.0' } });
    expect(r2.restarted).toBe(true);
    const after = relay.relay.listeners[0]!;
    expect(after.host).toBe('0.0.0.0');
    expect(after.port).toBe(relay.port);
    expect(after.urls[0]).toBe(`ws://127.0.0.1:${after.port}/`);
    // The peer that was connected before the move is still there and still served.
    a.client.send('ping');
    expect(await a.client.next()).toBe('pong');
    const b = await Client.open(`ws://127.0.0.1:${after.port}/msg-relay`);
    open.push(b);
    expect((await b.json()).message_type).toBe('connection_id');
  });

  it('keeps the listeners where they were when the new port is taken', async () => {
    const s = await setup();
    const busy = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
    open.push({ close: () => new Promise((r) => busy.close(r)) });
    const taken = (busy.address() as AddressInfo).port;
    await expect(s.request('updateSettings', { patch: { port: taken } })).rejects.toThrow(`port ${taken} on 127.0.0.1 is already in use`);
    expect(relay.relay.config.port).toBe(0);
    expect(relay.relay.listeners[0]!.port).toBe(relay.port);
    const c = await Client.open(`${relay.url}/msg-relay`);
    open.push(c);
    expect((await c.json()).message_type).toBe('connection_id');
  });
});

describe('the console API over WebSocket', () => {
  let server: ConsoleServer;
  afterEach(() => server?.stop());

  it('refuses a missing or wrong token with 401 and a clear body', async () => {
    relay = await startRelay({ consoleToken: 'sesame' });
    server = serveConsole(relay.relay);
    expect(server.url()).toBe(`http://127.0.0.1:${relay.port}/console/#token=sesame`);
    for (const q of ['', '?token=wrong']) {
      const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = request(`http://127.0.0.1:${relay.port}/console/api${q}`, { headers: { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==' } });
        req.on('response', (r) => {
          let body = '';
          r.on('data', (d: Buffer) => (body += d.toString()));
          r.on('end', () => resolve({ status: r.statusCode!, body }));
        });
        req.on('error', reject);
        req.end();
      });
      expect(res.status).toBe(401);
      expect(res.body).toMatch(/console token is missing or wrong/);
    }
    const probe = await fetch(`http://127.0.0.1:${relay.port}/console/api?token=sesame`);
    expect(probe.status).toBe(426);
  });

  it('answers requests by id and streams events', async () => {
    relay = await startRelay();
    server = serveConsole(relay.relay, { batchMs: 20, statsMs: 100 });
    const ws = new WebSocket(`ws://127.0.0.1:${relay.port}/console/api?token=${server.token}`);
    open.push({ close: () => ws.close() });
    const frames: Record<string, unknown>[] = [];
    ws.on('message', (d: Buffer) => frames.push(JSON.parse(d.toString()) as Record<string, unknown>));
    await new Promise((r) => ws.once('open', r));
    ws.send(JSON.stringify({ id: 7, op: 'peers', params: {} }));
    ws.send(JSON.stringify({ id: 8, op: 'kick', params: { key: 'x', code: 1 } }));
    await expect.poll(() => frames.filter((f) => 'id' in f).length).toBe(2);
    expect(frames.find((f) => f.id === 7)).toEqual({ id: 7, result: { total: 0, peers: [] } });
    expect(frames.find((f) => f.id === 8)).toEqual({ id: 8, result: { kicked: false } });
    await expect.poll(() => frames.some((f) => (f.event as { type?: string } | undefined)?.type === 'stats')).toBe(true);
    const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
    ws.send('not json');
    expect(await closed).toBe(1008);
  });

  it('serves the built console at /console/', async () => {
    relay = await startRelay();
    server = serveConsole(relay.relay);
    const res = await fetch(`http://127.0.0.1:${relay.port}/console/`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('<div id="root">');
    const redirect = await fetch(`http://127.0.0.1:${relay.port}/console`, { redirect: 'manual' });
    expect(redirect.status).toBe(308);
    const escape = await fetch(`http://127.0.0.1:${relay.port}/console/..%2f..%2fpackage.json`);
    expect(await escape.text()).not.toContain('"name": "switchboard"');
  });
});
