import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '../helpers/client.js';
import { Channelstream, type Event, type Listener } from '../helpers/channelstream.js';

let cs: Channelstream;
beforeAll(async () => {
  cs = await Channelstream.start();
});
afterAll(() => cs.stop());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Connects a user to channels and opens its socket. */
async function listener(user: string, channels: string[], extra: Record<string, unknown> = {}): Promise<Listener & { connId: string }> {
  const { conn_id } = await cs.connect(user, channels, extra);
  return Object.assign(await cs.socket(conn_id), { connId: conn_id });
}

describe('channelstream sockets: frames and routing', () => {
  it('delivers a channel message as a one-element, indent-4 JSON array, the same bytes to every listener', async () => {
    const a = await listener('ann', ['room1']);
    const b = await listener('ben', ['room1']);
    const frames: string[] = [];
    for (const l of [a, b]) l.client.ws.on('message', (d: Buffer) => d.toString() !== '[]' && frames.push(d.toString()));
    await cs.post([{ user: 'ann', channel: 'room1', message: { text: 'hi' } }]);
    const ea = await a.event();
    const eb = await b.event();
    expect(ea).toEqual(eb);
    expect(Object.keys(ea)).toEqual(['channel', 'uuid', 'timestamp', 'user', 'message', 'edited', 'catchup', 'type']);
    expect(ea).toMatchObject({ channel: 'room1', user: 'ann', message: { text: 'hi' }, edited: null, catchup: false, type: 'message' });
    expect(frames[0]).toBe(frames[1]);
    expect(frames[0]).toMatch(/^\[\n {4}\{\n {8}"channel": "room1",/);
    await a.close();
    await b.close();
  });

  it('sends [] heartbeats, even to a socket opened long after /connect (D8)', async () => {
    const { conn_id } = await cs.connect('late', ['hb']);
    await sleep(2000); // most of the 3 s idle limit
    const l = await cs.socket(conn_id);
    const frames = await l.client.drain(2000); // past the idle limit: the socket must survive
    expect(frames.filter((f) => f === '[]').length).toBeGreaterThanOrEqual(3);
    expect(l.client.ws.readyState).toBe(l.client.ws.OPEN);
    await l.close();
  });

  it('closes with 1000 for an unknown conn_id and 1008 for a malformed one', async () => {
    const unknown = new Client(`${cs.running.url}/ws?conn_id=00000000-0000-0000-0000-000000000000`);
    expect((await unknown.closed).code).toBe(1000);
    const malformed = new Client(`${cs.running.url}/ws?conn_id=xyz`);
    const closed = await malformed.closed;
    expect(closed.code).toBe(1008);
    expect(closed.reason).toContain('conn_id');
  });

  it('honours pm_users and exclude_users in a channel, and delivers a PM without a channel', async () => {
    const a = await listener('pa', ['pm-room']);
    const b = await listener('pb', ['pm-room']);
    const c = await listener('pc', []);
    await cs.post([
      { user: 'pa', channel: 'pm-room', pm_users: ['pb'], message: { n: 1 } },
      { user: 'pa', channel: 'pm-room', exclude_users: ['pb'], message: { n: 2 } },
      { user: 'pa', pm_users: ['pc', 'nobody'], message: { n: 3 } },
    ]);
    expect((await b.event()).message).toEqual({ n: 1 });
    expect((await a.event()).message).toEqual({ n: 2 });
    const pm = await c.event();
    expect(pm).toMatchObject({ channel: null, message: { n: 3 }, type: 'message' });
    expect(await b.quiet()).toEqual([]);
    expect(await a.quiet()).toEqual([]);
    for (const l of [a, b, c]) await l.close();
  });

  it('announces presence joined and parted, with user lists when configured, never to the user itself', async () => {
    await cs.configure({ pres: { notify_presence: true, broadcast_presence_with_user_lists: true } });
    const watcher = await listener('watcher', ['pres'], { user_state: { s: 1 }, state_public_keys: ['s'] });
    const first = await listener('visitor', ['pres'], { user_state: { v: 'x', hidden: 1 }, state_public_keys: ['v'] });
    const joined = await watcher.event();
    expect(joined).toMatchObject({
      type: 'presence',
      user: 'visitor',
      channel: 'pres',
      message: { action: 'joined' },
      state: { v: 'x' },
      catchup: false,
      users: [
        { user: 'visitor', state: { v: 'x' } },
        { user: 'watcher', state: { s: 1 } },
      ],
    });
    // A second connection of the same user is not a new presence.
    const second = await listener('visitor', ['pres']);
    expect((await first.quiet(200)).filter((e) => e.type === 'presence')).toEqual([]);
    await first.close();
    expect(await watcher.quiet(300)).toEqual([]);
    await second.close();
    const parted = await watcher.event();
    expect(parted).toMatchObject({ type: 'presence', user: 'visitor', message: { action: 'parted' }, state: null, users: [{ user: 'watcher', state: { s: 1 } }] });
    await watcher.close();
  });

  it('sends user_state_change to notify_state channels, the user included', async () => {
    await cs.configure({ states: { notify_state: true } });
    const me = await listener('stater', ['states'], { state_public_keys: ['pub'] });
    const other = await listener('other', ['states']);
    await cs.call('/user_state', { body: { user: 'stater', user_state: { pub: 1, priv: 2 } } });
    for (const l of [me, other]) {
      const e = await l.event();
      expect(e).toMatchObject({ type: 'user_state_change', user: 'stater', channel: 'states', catchup: false, message: { state: { pub: 1 }, changed: [{ key: 'pub', value: 1 }] } });
    }
    await cs.call('/user_state', { body: { user: 'stater', user_state: { priv: 3 } } });
    expect((await other.event()).message).toEqual({ state: { pub: 1 }, changed: [] });
    await me.close();
    await other.close();
  });

  it('broadcasts message:edit and message:delete', async () => {
    const l = await listener('editor', ['edits']);
    const [m] = (await cs.post([{ user: 'editor', channel: 'edits', message: { v: 1 } }])).json;
    await l.event();
    await cs.call('/message', { method: 'PATCH', body: [{ uuid: m!.uuid, channel: 'edits', message: { v: 2 }, user: 'editor' }] });
    const edit = await l.event();
    expect(Object.keys(edit)).toEqual(['uuid', 'message', 'edited', 'channel', 'type', 'user']);
    expect(edit).toMatchObject({ uuid: m!.uuid, message: { v: 2 }, channel: 'edits', type: 'message:edit', user: 'editor' });
    await cs.call('/message', { method: 'DELETE', body: [{ uuid: m!.uuid, channel: 'edits' }] });
    expect(await l.event()).toEqual({ channel: 'edits', uuid: m!.uuid, type: 'message:delete' });
    await l.close();
  });

  it('catches a socket up on what was published before it attached', async () => {
    const { conn_id } = await cs.connect('catcher', ['cu']);
    const { conn_id: pmOnly } = await cs.connect('catcher2', ['cu']);
    await cs.post([
      { user: 'x', channel: 'cu', message: { n: 1 } },
      { user: 'x', channel: 'cu', message: { n: 2 }, exclude_users: ['catcher'] },
      { user: 'x', pm_users: ['catcher'], message: { n: 3 } },
    ]);
    const l = await cs.socket(conn_id);
    const got = [await l.event(), await l.event()];
    expect(got.map((e) => e.message)).toEqual([{ n: 1 }, { n: 3 }]);
    for (const e of got) {
      expect(e.catchup).toBe(true);
      expect(e).not.toHaveProperty('pm_users');
      expect(e).not.toHaveProperty('no_history');
    }
    expect(await l.quiet()).toEqual([]);
    const l2 = await cs.socket(pmOnly);
    expect([(await l2.event()).message, (await l2.event()).message]).toEqual([{ n: 1 }, { n: 2 }]);
    await l.close();
    await l2.close();
  });
});

describe('channelstream sockets: lifetimes', () => {
  it('collects a connection idle without a socket, and sends parted', async () => {
    await cs.configure({ gc: { notify_presence: true } });
    const watcher = await listener('gc-watcher', ['gc']);
    const { conn_id } = await cs.connect('idler', ['gc']);
    expect((await watcher.event()).message).toEqual({ action: 'joined' });
    const parted = await watcher.event(6000);
    expect(parted).toMatchObject({ user: 'idler', message: { action: 'parted' } });
    expect((await cs.call(`/disconnect?conn_id=${conn_id}`)).json).toBe(false);
    await watcher.close();
  });

  it('/disconnect closes the socket with 1000', async () => {
    const l = await listener('leaver', ['dc']);
    await cs.call(`/disconnect?conn_id=${l.connId}`);
    expect(await l.client.closed).toEqual({ code: 1000, reason: 'disconnected through /disconnect' });
  });

  it('a new socket for the same connection replaces the old one', async () => {
    const first = await listener('twice', ['tw']);
    const second = await cs.socket(first.connId);
    expect((await first.client.closed).code).toBe(1000);
    await cs.post([{ user: 'x', channel: 'tw', message: { ok: 1 } }]);
    expect((await second.event()).message).toEqual({ ok: 1 });
    await second.close();
  });

  it('shows connections as hub peers and channels as hub rooms', async () => {
    const l = await listener('hubby', ['hub-a', 'hub-b']);
    const peer = [...cs.running.relay.hub.peers('channelstream')].find((p) => p.id === l.connId)!;
    expect(peer.meta).toEqual({ user: 'hubby' });
    expect([...peer.rooms].sort()).toEqual(['hub-a', 'hub-b']);
    const rooms = [...cs.running.relay.hub.allRooms()].filter(([p]) => p === 'channelstream').map(([, r]) => r);
    expect(rooms).toEqual(expect.arrayContaining(['hub-a', 'hub-b']));
    await l.close();
  });
});

describe('channelstream long poll', () => {
  it('returns queued messages as one array, catches up, and supports JSONP', async () => {
    const { conn_id } = await cs.connect('poller', ['lp']);
    await cs.post([{ user: 'x', channel: 'lp', message: { n: 1 } }]);
    const first = await cs.call<Event[]>(`/listen?conn_id=${conn_id}`, { token: false });
    expect(first.status).toBe(200);
    // Not the original's text/html: the body echoes what clients published (docs/protocols.md).
    expect(first.headers.get('content-type')).toBe('application/json; charset=UTF-8');
    expect(first.headers.get('x-content-type-options')).toBe('nosniff');
    expect(first.headers.get('access-control-allow-origin')).toBe('*');
    expect(first.json).toMatchObject([{ message: { n: 1 }, catchup: true }]);
    const pending = cs.call<Event[]>(`/listen?conn_id=${conn_id}`, { token: false });
    await sleep(100);
    await cs.post([{ user: 'x', channel: 'lp', message: { n: 2 } }, { user: 'x', channel: 'lp', message: { n: 3 } }]);
    const second = await pending;
    expect(second.json.map((e) => e.message)).toEqual([{ n: 2 }, { n: 3 }]);
    expect(second.json[0]!.catchup).toBe(false);
    const idle = await cs.call(`/listen?conn_id=${conn_id}&callback=cb`, { token: false });
    expect(idle.text).toBe('cb([])');
    expect(idle.headers.get('content-type')).toBe('application/javascript; charset=UTF-8');
    expect((await cs.call(`/listen?conn_id=${conn_id}&callback=alert(1)//`, { token: false })).status).toBe(422);
  });
});

describe('channelstream bounds', () => {
  it('closes a connection whose unread long-poll queue goes over maxQueueBytes with 1013', async () => {
    const small = await Channelstream.start({ maxQueueBytes: 64 * 1024 });
    try {
      const { conn_id } = await small.connect('slow', ['big']);
      expect((await small.call(`/listen?conn_id=${conn_id}`, { token: false })).json).toEqual([]);
      const pad = 'x'.repeat(10_000);
      for (let i = 0; i < 8; i++) await small.post([{ user: 'x', channel: 'big', message: { pad } }]);
      expect((await small.call(`/listen?conn_id=${conn_id}`, { token: false })).status).toBe(401);
      const closes = small.running.relay.tap.read(0).records.filter((r) => r.kind === 'close' && r.protocol === 'channelstream');
      expect(closes.map((r) => r.code)).toEqual([1013]);
    } finally {
      await small.stop();
    }
  });
});

describe('channelstream operator messages (E4)', () => {
  it('publishes a message event from the configured user to a channel, a connection or everyone', async () => {
    const dialect = cs.running.relay.dialects.get('channelstream')!;
    const a = await listener('op-a', ['op-room']);
    const b = await listener('op-b', []);
    expect(dialect.inject({ kind: 'room', room: 'op-room' }, '{"text":"hello"}')).toBe(1);
    expect(await a.event()).toMatchObject({ channel: 'op-room', user: 'operator', message: { text: 'hello' }, type: 'message' });
    const peer = [...cs.running.relay.hub.peers('channelstream')].find((p) => p.id === b.connId)!;
    expect(dialect.inject({ kind: 'peer', peer: peer.key }, '{"n":1}')).toBe(1);
    expect(await b.event()).toMatchObject({ channel: null, user: 'operator', message: { n: 1 } });
    expect(dialect.inject({ kind: 'everyone' }, '{"n":2}')).toBeGreaterThanOrEqual(2);
    expect((await a.event()).message).toEqual({ n: 2 });
    expect((await b.event()).message).toEqual({ n: 2 });
    expect(dialect.inject({ kind: 'room', room: 'op-room', filter: 'op-a' }, '{"only":"a"}')).toBe(1);
    expect((await a.event()).message).toEqual({ only: 'a' });
    expect(dialect.inject({ kind: 'room', room: 'op-room', filter: 'somebody-else' }, '{}')).toBe(0);
    expect(() => dialect.inject({ kind: 'room', room: 'no-such' }, '{}')).toThrow(/no channelstream channel/);
    expect(() => dialect.inject({ kind: 'everyone' }, 'text')).toThrow(/JSON/);
    const records = cs.running.relay.tap.read(0).records.filter((r) => r.kind === 'operator' && r.protocol === 'channelstream');
    expect(records.length).toBeGreaterThanOrEqual(3);
    await a.close();
    await b.close();
  });
});
