import { afterEach, describe, expect, it } from 'vitest';
import { serveConsole, type ConsoleServer } from '../../relay/console/http.js';
import { Client } from '../helpers/client.js';
import { ConsoleApiClient } from '../helpers/console-api.js';
import { assertAlive } from '../helpers/liveness.js';
import { runCli, type Spawned } from '../helpers/process.js';
import { startRelay, type Running } from '../helpers/relay.js';

/** The console API takes nothing on trust: every parameter of every op is checked before use. */

const running: Spawned[] = [];
const open: { close(): unknown }[] = [];
let relay: Running | undefined;
let server: ConsoleServer | undefined;

afterEach(async () => {
  for (const c of open.splice(0)) c.close();
  for (const p of running.splice(0)) if (p.child.exitCode === null) p.child.kill('SIGKILL');
  server?.stop();
  server = undefined;
  await relay?.stop();
  relay = undefined;
});

async function consoleApi(url: string): Promise<ConsoleApiClient> {
  const c = await ConsoleApiClient.open(url);
  open.push(c);
  return c;
}

describe('the console API under malformed requests', () => {
  it('refuses a traffic filter whose kinds is not a list, and the relay process keeps serving after the next traffic record', async () => {
    const p = runCli(['serve', '--port', '0', '--console-token', 'sesame']);
    running.push(p);
    const [, port] = await p.waitFor(/console http:\/\/127\.0\.0\.1:(\d+)\/console\//);
    const api = await consoleApi(`ws://127.0.0.1:${port}/console/api?token=sesame`);
    expect(await api.error('subscribeTraffic', { filter: { kinds: { length: 1 } } })).toBe(
      'subscribeTraffic: filter.kinds must be a list of traffic kinds among message, relay, operator, drop, open, close, got an object',
    );
    expect(await api.error('exportTraffic', { filter: { kinds: ['message', 'bogus'] } })).toMatch(/^exportTraffic: filter\.kinds must be .*, got "bogus"$/);
    // Traffic for the pump to read (the open record, the id frame, the list), then a fresh client.
    await assertAlive({ port: Number(port) });
    await assertAlive({ port: Number(port) });
    expect(await api.result('snapshot', {})).toMatchObject({ protocols: expect.arrayContaining(['msg-relay']) });
    expect(p.child.exitCode).toBeNull();
  });
});

const ALL = 'msg-relay, compendium, spacewar, intercessor, channelstream';

describe('every console op checks its parameters over /console/api', () => {
  async function api(): Promise<{ api: ConsoleApiClient; url: string; live: Running }> {
    relay = await startRelay({ consoleToken: 'sesame' });
    server = serveConsole(relay.relay, { batchMs: 10 });
    return { api: await consoleApi(`${relay.url}/console/api?token=sesame`), url: relay.url, live: relay };
  }

  it.each<[string, unknown, string]>([
    ['snapshot', [], 'snapshot: the parameters must be an object, got a list'],
    ['snapshot', { x: 1 }, 'snapshot: unknown parameter "x" (it takes none)'],
    ['unsubscribeTraffic', 5, 'unsubscribeTraffic: the parameters must be an object, got 5'],
    ['getSettings', { patch: {} }, 'getSettings: unknown parameter "patch" (it takes none)'],
    ['peers', { filter: 'lobby' }, 'peers: filter must be an object, got "lobby"'],
    ['peers', { filter: { protocol: 5 } }, `peers: filter.protocol must be one of ${ALL}, got 5`],
    ['peers', { filter: { kinds: [] } }, 'peers: unknown parameter "filter.kinds" (known: protocol, room, text)'],
    ['peers', { filter: { room: ['a'] } }, 'peers: filter.room must be text, got a list'],
    ['peers', { offset: -1 }, 'peers: offset must be a whole number from 0, got -1'],
    ['peers', { limit: '10' }, 'peers: limit must be a whole number from 1, got "10"'],
    ['peers', { limit: 2.5 }, 'peers: limit must be a whole number from 1, got 2.5'],
    ['peer', {}, 'peer: key is required'],
    ['peer', { key: 7 }, 'peer: key must be text, got 7'],
    ['rooms', { protocol: 'irc' }, `rooms: protocol must be one of ${ALL}, got "irc"`],
    ['roomMembers', { protocol: 'msg-relay' }, 'roomMembers: room is required'],
    ['roomMembers', { room: 'lobby' }, 'roomMembers: protocol is required'],
    ['kick', { key: 'p1', code: 1.5 }, 'kick: code must be a whole number in 0..65535, got 1.5'],
    ['kick', { key: 'p1', reason: { text: 'x' } }, 'kick: reason must be text, got an object'],
    ['inject', { protocol: 'msg-relay', target: 'everyone', payload: '{}' }, 'inject: target must be an object, got "everyone"'],
    ['inject', { protocol: 'msg-relay', target: { kind: 'group' }, payload: '{}' }, 'inject: target.kind must be one of peer, room, everyone, got "group"'],
    ['inject', { protocol: 'msg-relay', target: { kind: 'room' }, payload: '{}' }, 'inject: target.room is required'],
    ['inject', { protocol: 'msg-relay', target: { kind: 'peer', peer: 1 }, payload: '{}' }, 'inject: target.peer must be text, got 1'],
    ['inject', { protocol: 'msg-relay', target: { kind: 'everyone' }, payload: { say: 'hi' } }, 'inject: payload must be text, got an object'],
    [
      'inject',
      { protocol: 'msg-relay', target: { kind: 'room', room: 'lobby', filter: '*a'.repeat(1000) }, payload: '{}' },
      'inject: target.filter must be at most 1024 characters, got text of 2000 characters',
    ],
    ['subscribeTraffic', { filter: { kinds: 'message' } }, 'subscribeTraffic: filter.kinds must be a list of traffic kinds among message, relay, operator, drop, open, close, got "message"'],
    ['subscribeTraffic', { filter: { text: 'x'.repeat(513) } }, 'subscribeTraffic: filter.text must be at most 512 characters, got text of 513 characters'],
    ['subscribeTraffic', { filter: { peer: 12 } }, 'subscribeTraffic: filter.peer must be text, got 12'],
    ['subscribeTraffic', { backlog: 'all' }, 'subscribeTraffic: backlog must be a whole number from 0, got "all"'],
    ['exportTraffic', { limit: 0 }, 'exportTraffic: limit must be a whole number from 1, got 0'],
    ['log', { limit: true }, 'log: limit must be a whole number from 1, got true'],
    ['updateSettings', {}, 'updateSettings: patch is required'],
    ['updateSettings', { patch: 'port=1' }, 'updateSettings: patch must be an object, got "port=1"'],
  ])('%s %j is refused: %s', async (op, params, error) => {
    const { api: c, live } = await api();
    expect(await c.error(op, params)).toBe(error);
    // The console goes on, and so does the relay for everyone else.
    expect(await c.result('rooms', {})).toEqual([]);
    await assertAlive(live);
  });

  it('takes names that are also members of Object.prototype as names', async () => {
    const { api: c, url, live } = await api();
    for (const op of ['toString', '__proto__', 'constructor', 'hasOwnProperty', 'valueOf'])
      expect(await c.error(op, {})).toBe(`unknown console request ${JSON.stringify(op)}`);
    const proto = (json: string): unknown => JSON.parse(json);
    expect(await c.error('snapshot', proto('{"__proto__": {"x": 1}}'))).toBe('snapshot: unknown parameter "__proto__" (it takes none)');
    expect(await c.error('peers', proto('{"filter": {"constructor": "x"}}'))).toBe('peers: unknown parameter "filter.constructor" (known: protocol, room, text)');
    for (const key of ['__proto__', 'constructor', 'toString'])
      expect(await c.error('updateSettings', proto(`{"patch": {${JSON.stringify(key)}: 1}}`))).toBe(`settings: unknown key "${key}"`);

    // A group named __proto__ is a room like any other, found by its name and by no other.
    const member = await Client.open(`${url}/msg-relay?group=__proto__`);
    open.push({ close: () => member.ws.terminate() });
    await member.next();
    expect(await c.result('rooms', { protocol: 'msg-relay' })).toEqual([{ protocol: 'msg-relay', room: '__proto__', members: 1 }]);
    expect(await c.result<{ total: number }>('peers', { filter: { room: '__proto__' } })).toMatchObject({ total: 1 });
    expect(await c.result<{ total: number }>('peers', { filter: { room: 'constructor' } })).toMatchObject({ total: 0 });
    expect(await c.result<unknown[]>('roomMembers', { protocol: 'msg-relay', room: '__proto__' })).toHaveLength(1);
    expect(await c.result('roomMembers', { protocol: 'msg-relay', room: 'toString' })).toEqual([]);
    for (const key of ['__proto__', 'constructor', 'toString']) {
      expect(await c.result('peer', { key })).toBeNull();
      expect(await c.result('kick', { key })).toEqual({ kicked: false });
    }
    expect(await c.result('subscribeTraffic', { filter: { room: '__proto__', peer: 'toString' } })).toMatchObject({ from: expect.any(Number) });
    expect(await c.result('exportTraffic', { filter: { room: 'constructor' } })).toEqual({ records: [] });
    await assertAlive(live);
  });
});
