/* eslint-disable @typescript-eslint/no-explicit-any -- replies are deep JSON read by path in assertions */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sign } from '../../relay/dialects/channelstream/signer.js';
import { Channelstream, SECRET } from '../helpers/channelstream.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/;

let cs: Channelstream;
beforeAll(async () => {
  cs = await Channelstream.start();
});
afterAll(() => cs.stop());

describe('channelstream REST: who may call', () => {
  it('answers 403 without a token: Pyramid HTML, or JSON when asked, without CORS headers', async () => {
    const html = await cs.call('/connect', { body: { username: 'a' }, token: false });
    expect(html.status).toBe(403);
    expect(html.headers.get('content-type')).toContain('text/html');
    expect(html.text).toContain('403 Forbidden');
    expect(html.headers.get('access-control-allow-origin')).toBeNull();
    const json = await cs.call('/connect', { body: { username: 'a' }, token: false, headers: { accept: 'application/json' } });
    expect(json.status).toBe(403);
    expect(json.json).toEqual({ message: 'Access was denied to this resource.\n\n\n\n\n', code: '403 Forbidden', title: 'Forbidden' });
  });

  it('answers 401 Bad Signature for a bad, expired or future token, on every route that gets one', async () => {
    const t = Math.floor(Date.now() / 1000);
    for (const token of ['garbage', sign('not-the-secret', 'channelstream'), sign(SECRET, 'channelstream', t - 61), sign(SECRET, 'channelstream', t + 30)]) {
      const r = await cs.call('/connect', { body: { username: 'a' }, token });
      expect(r.status).toBe(401);
      expect(r.text).toBe('{\n    "request": "Bad Signature"\n}');
    }
    const open = await cs.call('/disconnect?conn_id=00000000-0000-0000-0000-000000000000', { token: 'garbage' });
    expect(open.status).toBe(401);
  });

  it('takes the token from ?secret= and from a form field as well as the header', async () => {
    const q = await cs.call(`/info?secret=${encodeURIComponent(sign(SECRET, 'x'))}`, { token: false });
    expect(q.status).toBe(200);
    const form = await cs.call('/info', { token: false, body: `secret=${encodeURIComponent(sign(SECRET, 'x'))}`, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(form.status).toBe(200);
    expect(form.json).toHaveProperty('channels');
  });

  it('refuses addresses outside allow_posting_from with 403, and 0.0.0.0 allows any', async () => {
    const strict = await Channelstream.start({ channelstreamAllowPostingFrom: ['10.1.2.3'] });
    const open = await Channelstream.start({ channelstreamAllowPostingFrom: ['10.1.2.3', '0.0.0.0'] });
    try {
      expect((await strict.call('/info')).status).toBe(403);
      expect((await open.call('/info')).status).toBe(200);
    } finally {
      await strict.stop();
      await open.stop();
    }
  });

  it('skips the age check when validate_requests is off', async () => {
    const lax = await Channelstream.start({ channelstreamValidateRequests: false });
    try {
      expect((await lax.call('/info', { token: sign(SECRET, 'channelstream', 1_000_000) })).status).toBe(200);
    } finally {
      await lax.stop();
    }
  });

  it('answers OPTIONS with 200, an empty body and the CORS headers', async () => {
    const r = await cs.call('/message', { method: 'OPTIONS', token: false });
    expect(r.status).toBe(200);
    expect(r.text).toBe('');
    expect(r.headers.get('access-control-allow-methods')).toBe('GET, POST, OPTIONS, PUT, DELETE, PATCH');
    expect(r.headers.get('access-control-max-age')).toBe('86400');
    expect(r.headers.get('xdomainrequestallowed')).toBe('1');
  });
});

describe('channelstream REST: the endpoints', () => {
  it('/connect creates the user, the connection and the channels', async () => {
    const r = await cs.call<Record<string, any>>('/connect', {
      body: {
        username: 'alice',
        channels: ['b-chan', 'a-chan'],
        fresh_user_state: { color: 'red', secret: 1 },
        user_state: { mood: 'ok', gone: null },
        state_public_keys: ['color', 'mood'],
        channel_configs: { 'a-chan': { store_history: true, history_size: 2 } },
      },
    });
    expect(r.status).toBe(200);
    expect(r.headers.get('access-control-allow-origin')).toBe('*');
    expect(r.text).toContain('\n    "conn_id"');
    const b = r.json;
    expect(b.conn_id).toMatch(UUID);
    expect(b.username).toBe('alice');
    expect(b.state).toEqual({ color: 'red', secret: 1, mood: 'ok' });
    expect(b.public_state).toEqual({ color: 'red', mood: 'ok' });
    expect(b.channels).toEqual(['a-chan', 'b-chan']);
    const a = b.channels_info.channels['a-chan'];
    expect(Object.keys(a)).toEqual(['uuid', 'name', 'long_name', 'settings', 'history', 'last_active', 'total_connections', 'total_users', 'users']);
    expect(a).toMatchObject({ name: 'a-chan', long_name: null, history: [], total_connections: 1, total_users: 1, users: ['alice'] });
    expect(a.settings).toEqual({ notify_presence: false, store_history: true, history_size: 2, broadcast_presence_with_user_lists: false, notify_state: false, store_frames: true });
    expect(b.channels_info.channels['b-chan'].settings.store_history).toBe(false);
    expect(a.last_active).toMatch(ISO);
    expect(b.channels_info.users).toEqual([{ user: 'alice', state: { color: 'red', secret: 1, mood: 'ok' } }]);

    // A second /connect: fresh_user_state is ignored, state_public_keys is reset when omitted.
    const again = await cs.connect('alice', [], { fresh_user_state: { color: 'blue' }, info: { return_public_state: true } });
    expect(again.state).toMatchObject({ color: 'red' });
    expect(again.public_state).toEqual({});
  });

  it('/connect keeps a given conn_id, hyphenated and lowercase', async () => {
    const b = await cs.connect('bob', [], { conn_id: 'ABCDEF00112233445566778899AABBCC' });
    expect(b.conn_id).toBe('abcdef00-1122-3344-5566-778899aabbcc');
  });

  it('/connect with a conn_id of another user replaces that connection', async () => {
    const id = '11111111-2222-3333-4444-555555555555';
    await cs.connect('first-owner', ['owned'], { conn_id: id });
    const taken = await cs.connect('second-owner', [], { conn_id: id });
    expect(taken).toMatchObject({ conn_id: id, username: 'second-owner', channels: [] });
    const admin = await cs.call<Record<string, any>>('/admin/admin.json');
    const owners = (admin.json.users as Record<string, any>[]).filter((u) => u.connections.includes(id)).map((u) => u.user);
    expect(owners).toEqual(['second-owner']);
  });

  it('answers 422 with the field errors of the original', async () => {
    const cases: [string, unknown, unknown][] = [
      ['/connect', {}, { username: ['Missing data for required field.'] }],
      ['/connect', { username: 'x', conn_id: 'nope' }, { conn_id: ['Not a valid UUID.'] }],
      ['/connect', { username: 'x', user_state: { a: [1] } }, { user_state: { a: { value: ['Value is not type of string, integer, boolean or float.'] } } }],
      ['/subscribe', { conn_id: '00000000-0000-0000-0000-000000000000', channels: ['x'] }, { conn_id: ['Unknown connection'] }],
      ['/user_state', { user: 'nobody-at-all' }, { user: ['Unknown user'] }],
      ['/message', [{ channel: 'x' }], { '0': { user: ['Missing data for required field.'] } }],
      ['/info', {}, { info: ['Missing data for required field.'] }],
    ];
    for (const [path, body, errors] of cases) {
      const r = await cs.call(path, { body });
      expect(r.status, path).toBe(422);
      expect(r.json, path).toEqual(errors);
    }
    const bad = await cs.call('/connect', { body: '{"username": ' });
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({ request: expect.stringContaining('not valid JSON') });
  });

  it('/subscribe and /unsubscribe answer the channels and what changed (conn_id also from the query)', async () => {
    const { conn_id } = await cs.connect('carol', ['s1']);
    const sub = await cs.call<Record<string, any>>('/subscribe', { body: { conn_id, channels: ['s3', 's2', 's1'] } });
    expect(sub.status).toBe(200);
    expect(sub.json.channels).toEqual(['s1', 's2', 's3']);
    expect(sub.json.subscribed_to).toEqual(['s2', 's3']);
    expect(Object.keys(sub.json.channels_info.channels)).toEqual(['s1', 's2', 's3']);
    const unsub = await cs.call<Record<string, any>>(`/unsubscribe?conn_id=${conn_id}`, { body: { channels: ['s2', 'never'] } });
    expect(unsub.json.channels).toEqual(['s1', 's3']);
    expect(unsub.json.unsubscribed_from).toEqual(['s2']);
    expect((await cs.call('/subscribe', { body: { conn_id, channels: [] } })).json).toEqual({ channels: ['Shorter than minimum length 1.'] });
  });

  it('/user_state merges state and reports what changed', async () => {
    await cs.connect('dave', [], { user_state: { a: 1 }, state_public_keys: ['a'] });
    const r = await cs.call<Record<string, any>>('/user_state', { body: { user: 'dave', user_state: { a: 1, b: 'x', c: null } } });
    expect(r.json).toEqual({ user_state: { a: 1, b: 'x' }, changed_state: [{ key: 'b', value: 'x' }], public_keys: ['a'] });
    const keys = await cs.call<Record<string, any>>('/user_state', { body: { user: 'dave', state_public_keys: [] } });
    expect(keys.json.public_keys).toEqual([]);
  });

  it('/message answers the normalized messages, skips unaddressed ones, and keeps history', async () => {
    await cs.connect('erin', ['hist'], { channel_configs: { hist: { store_history: true, history_size: 2 } } });
    const r = await cs.post([
      { user: 'erin', channel: 'hist', message: { n: 1 }, extra: 'dropped' },
      { user: 'erin', message: { lost: true } },
      { user: 'erin', channel: 'hist', message: { n: 2 }, uuid: 'AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE', timestamp: '2020-01-02T03:04:05' },
      { user: 'erin', channel: 'hist', message: { n: 3 }, no_history: true },
      { user: 'erin', channel: 'hist', message: { n: 4 } },
    ]);
    expect(r.status).toBe(200);
    expect(r.json).toHaveLength(4);
    expect(Object.keys(r.json[0]!)).toEqual(['pm_users', 'exclude_users', 'channel', 'no_history', 'uuid', 'timestamp', 'user', 'message', 'edited']);
    expect(r.json[0]).toMatchObject({ pm_users: [], exclude_users: [], channel: 'hist', no_history: false, user: 'erin', message: { n: 1 }, edited: null });
    expect(r.json[0]!.uuid).toMatch(UUID);
    expect(r.json[0]!.timestamp).toMatch(ISO);
    expect(r.json[1]).toMatchObject({ uuid: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee', timestamp: '2020-01-02T03:04:05.000000' });
    const info = await cs.call<Record<string, any>>('/info', { body: { info: { channels: ['hist'] } } });
    const history = info.json.channels.hist.history as Record<string, unknown>[];
    expect(history.map((h) => h.message)).toEqual([{ n: 2 }, { n: 4 }]);
    expect(history[0]).toMatchObject({ pm_users: [], exclude_users: [], no_history: false, catchup: false, type: 'message', edited: null });
  });

  it('PATCH and DELETE /message change and remove history entries', async () => {
    await cs.connect('fay', ['ed'], { channel_configs: { ed: { store_history: true } } });
    const [posted] = (await cs.post([{ user: 'fay', channel: 'ed', message: { v: 'old' } }])).json;
    const patch = await cs.call<Record<string, unknown>[]>('/message', { method: 'PATCH', body: [{ uuid: posted!.uuid, channel: 'ed', message: { v: 'new' } }] });
    expect(patch.status).toBe(200);
    expect(patch.json[0]).toMatchObject({ uuid: posted!.uuid, channel: 'ed', message: { v: 'new' } });
    expect(patch.json[0]!.edited).toMatch(ISO);
    let hist = ((await cs.call<Record<string, any>>('/info', { body: { info: { channels: ['ed'] } } })).json.channels.ed.history) as Record<string, unknown>[];
    expect(hist[0]).toMatchObject({ message: { v: 'new' }, edited: patch.json[0]!.edited });
    const del = await cs.call<Record<string, unknown>[]>('/message', { method: 'DELETE', body: [{ uuid: posted!.uuid, channel: 'ed' }] });
    expect(del.json[0]).toMatchObject({ uuid: posted!.uuid, channel: 'ed' });
    hist = ((await cs.call<Record<string, any>>('/info', { body: { info: { channels: ['ed'] } } })).json.channels.ed.history) as Record<string, unknown>[];
    expect(hist).toEqual([]);
    expect((await cs.call('/message', { method: 'PATCH', body: [{ channel: 'ed' }] })).json).toEqual({ '0': { uuid: ['Missing data for required field.'] } });
  });

  it('/channel_config creates and reconfigures channels', async () => {
    const r = await cs.call<Record<string, any>>('/channel_config', { body: { cfg: { notify_presence: true, history_size: 3 } } });
    expect(r.status).toBe(200);
    expect(r.json.users).toEqual([]);
    expect(r.json.channels.cfg).toMatchObject({ name: 'cfg', history: [], users: [], total_connections: 0 });
    expect(r.json.channels.cfg.settings).toMatchObject({ notify_presence: true, history_size: 3, store_frames: true });
    const again = await cs.call<Record<string, any>>('/channel_config', { body: { cfg: { store_frames: false } } });
    expect(again.json.channels.cfg.settings).toMatchObject({ notify_presence: false, store_frames: false });
    expect((await cs.call('/channel_config', { body: { cfg: { history_size: -1 } } })).json).toEqual({ cfg: { value: { history_size: ['Must be at least 0.'] } } });
  });

  it('/info without a body lists every channel; with one it honours the resolution', async () => {
    await cs.connect('gus', ['info-a', 'info-b'], { user_state: { p: 1, q: 2 }, state_public_keys: ['p'] });
    const all = await cs.call<Record<string, any>>('/info');
    expect(all.status).toBe(200);
    expect(Object.keys(all.json.channels)).toEqual(expect.arrayContaining(['info-a', 'info-b', 'hist']));
    const some = await cs.call<Record<string, any>>('/info', {
      body: { info: { channels: ['info-a', 'info-b'], exclude_channels: ['info-b'], include_users: true, include_history: false, return_public_state: true } },
    });
    expect(Object.keys(some.json.channels)).toEqual(['info-a']);
    expect(some.json.users).toEqual([{ user: 'gus', state: { p: 1 } }]);
  });

  it('/disconnect answers true or false, by GET or POST, and needs no token', async () => {
    const { conn_id } = await cs.connect('hal');
    expect((await cs.call(`/disconnect?conn_id=${conn_id}`, { token: false })).json).toBe(true);
    expect((await cs.call(`/disconnect?conn_id=${conn_id}`, { token: false })).json).toBe(false);
    const { conn_id: second } = await cs.connect('hal');
    expect((await cs.call(`/disconnect?conn_id=${second}`, { token: false, body: { conn_id: second } })).json).toBe(true);
    expect((await cs.call('/disconnect?conn_id=nope', { token: false })).json).toEqual({ conn_id: ['Not a valid UUID.'] });
  });

  it('/listen refuses a malformed and an unknown conn_id', async () => {
    const bad = await cs.call('/listen?conn_id=123', { token: false });
    expect(bad.status).toBe(422);
    expect(bad.json).toEqual(['Wrong UUID format']);
    const unknown = await cs.call('/listen?conn_id=00000000-0000-0000-0000-000000000000', { token: false });
    expect(unknown.status).toBe(401);
    expect(unknown.text).toContain('401 Unauthorized');
  });

  it('/admin/admin.json needs a signed request or the admin cookie', async () => {
    const r = await cs.call<Record<string, any>>('/admin/admin.json');
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ version: '0.7.1', total_channels: expect.any(Number), total_unique_messages: expect.any(Number) });
    expect(r.json.uptime).toMatch(/^\d+:\d\d:\d\d$/);
    const erin = (r.json.users as Record<string, any>[]).find((u) => u.user === 'erin');
    expect(erin).toMatchObject({ state: {}, connections: [expect.stringMatching(UUID)] });
    expect(erin!.uuid).toMatch(UUID);
    expect((await cs.call('/admin/admin.json', { token: false })).status).toBe(403);

    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const wrong = await fetch(`${cs.http}/admin/sign_in`, { method: 'POST', headers: form, body: 'username=admin&password=nope', redirect: 'manual' });
    expect(wrong.status).toBe(403);
    const signIn = await fetch(`${cs.http}/admin/sign_in`, { method: 'POST', headers: form, body: 'username=admin&password=admin_secret', redirect: 'manual' });
    expect(signIn.status).toBe(302);
    const cookie = signIn.headers.get('set-cookie')!.split(';')[0]!;
    expect((await cs.call('/admin/admin.json', { token: false, headers: { cookie } })).status).toBe(200);
    expect((await cs.call('/admin/admin.json', { token: false, headers: { cookie: cookie + 'x' } })).status).toBe(403);
  });

  it('answers 413 for a body over the limit', async () => {
    const small = await Channelstream.start({ channelstreamMaxBodyBytes: 1024 });
    try {
      const r = await small.call('/message', { body: [{ user: 'x', channel: 'y', message: { pad: 'x'.repeat(2000) } }] });
      expect(r.status).toBe(413);
    } finally {
      await small.stop();
    }
  });
});
