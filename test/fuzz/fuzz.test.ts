import { describe, expect, it } from 'vitest';
import { serveConsole } from '../../relay/console/http.js';
import type { ConsoleEvent } from '../../relay/console/types.js';
import { Client } from '../helpers/client.js';
import { ConsoleApiClient } from '../helpers/console-api.js';
import { assertAlive } from '../helpers/liveness.js';
import { rawGet, rawHttp, rawUpgrade } from '../helpers/raw-http.js';
import { startRelay, type Running } from '../helpers/relay.js';
import { OP, RawSocket, closePayload, frame } from './frames.js';
import { FUZZ_PROTOCOLS, sendTag, type FuzzPeer, type FuzzProtocol, type FuzzSession } from './protocols.js';
import { Rng } from './rng.js';

/** FUZZ_SEED=n replays a run; the seed is in the test's name. */
const SEED = Number(process.env.FUZZ_SEED ?? 20_261_122);
const WORKERS = 24;
const ACTIONS_PER_WORKER = 6;
const OBSERVED_ROOMS = ['alpha', 'beta'];
const CHAOS_ROOMS = [...OBSERVED_ROOMS, 'gamma'];
const OBSERVERS_PER_ROOM = 3;
const MAX_OBSERVER_ROUNDS = 40;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls (bounded) until `done` holds; resolves whether it did. */
async function eventually(done: () => boolean, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(50)) if (done()) return true;
  return done();
}

interface Chaos {
  rng: Rng;
  relay: Running;
  proto: FuzzProtocol;
  session: FuzzSession;
  /** The observers, whom a chaos peer's legitimate messages go to when they share its room. */
  members: readonly FuzzPeer[];
  room: string;
  /** Tags chaos peers sent as legitimate messages, for the cross-room check. */
  tag(): string;
  /** Sockets left half-open on purpose: the relay must close them itself. */
  abandoned: RawSocket[];
  problems: string[];
  /** ws://.../console/api?token=... of the relay's console. */
  consoleApi: string;
}

let chaosTags = 0;

/** Opens a real client in the chaos peer's room; its errors are expected and ignored. */
async function chaosClient(x: Chaos): Promise<Client | undefined> {
  const c = new Client(x.relay.url + (await x.session.path(x.room)));
  c.ws.on('error', () => undefined);
  try {
    await c.opened;
  } catch {
    return undefined;
  }
  return c;
}

/** A legitimate message from a chaos peer to its room, each socket frame written by `send`. */
const legit = (x: Chaos, send: (frame: string) => void): Promise<void> => sendTag(x.session, x.room, undefined, x.members, x.tag(), send);

/** Frames no protocol takes as a message, besides each protocol's own junk. */
const GENERIC_JUNK = ['{', '}', 'null', '[]', '""', '0', '['.repeat(5000) + ']'.repeat(5000), '{"__proto__":{"polluted":1}}'];

/** Request targets Node hands over as they came. */
const HOSTILE_TARGETS = ['//', '//a//b', '/%', '/%zz', '/..%2f..%2fetc/passwd', '/' + 'a'.repeat(4000), 'http://[::1', 'http://a:99999/x', '*', '/ws-relay/\u00e9'];
const PROTO_NAMES = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'];
/** Frames whose keys and values are Object.prototype's names, as a protocol's own fields. */
const PROTO_JUNK = [
  '{"__proto__":{"to":"group"},"constructor":{"prototype":{"x":1}}}',
  '{"to":"__proto__","msg":"x"}',
  '{"type":"toString","EpheWssAddr":"constructor","msg":{}}',
  '{"from":"constructor","to":"__proto__","type":"hasOwnProperty","message":null}',
];
/** Console requests each of which must be refused with an error, never taken or thrown. */
const BAD_CONSOLE_REQUESTS: [unknown, unknown][] = [
  ['subscribeTraffic', { filter: { kinds: { length: 1 } } }],
  ['subscribeTraffic', { filter: { text: 'x'.repeat(10_000) } }],
  ['exportTraffic', { filter: { protocol: '__proto__' } }],
  ['peers', { filter: 'all', limit: 'many' }],
  ['kick', { key: { toString: 1 } }],
  ['inject', { protocol: 'msg-relay', target: { kind: 'room', room: 'alpha', filter: '*a'.repeat(2000) }, payload: '{}' }],
  ['updateSettings', JSON.parse('{"patch": {"__proto__": {"port": 1}}}')],
  ['toString', {}],
  ['__proto__', {}],
  ['constructor', { x: 1 }],
  ['snapshot', JSON.parse('{"__proto__": 1}')],
];

/** After sending junk, a real client is either still open or was closed with a code and a reason. */
async function expectExplained(x: Chaos, what: string, c: Client): Promise<void> {
  const closed = await Promise.race([c.closed, sleep(200).then(() => undefined)]);
  if (closed && closed.code !== 1000 && closed.reason === '') x.problems.push(`${what}: closed with ${closed.code} and no reason`);
  c.ws.terminate();
}

/** A frame-level violation must close the socket with this code and a reason. */
async function expectClose(x: Chaos, what: string, send: (raw: RawSocket) => void, code: number): Promise<void> {
  const raw = await RawSocket.upgrade(x.relay.port, await x.session.path(x.room));
  send(raw);
  const got = await raw.closed();
  if (got?.code !== code || got.reason === '') x.problems.push(`${what}: expected close ${code} with a reason, got ${JSON.stringify(got)}`);
  raw.destroy();
}

/** Each action is one misbehaving client. They run many at once. */
const ACTIONS: Record<string, (x: Chaos) => Promise<void>> = {
  async 'random text'(x) {
    const c = await chaosClient(x);
    if (!c) return;
    for (let i = 1 + x.rng.int(4); i > 0; i--) c.send(x.rng.text(1 + x.rng.int(200)));
    await expectExplained(x, 'random text', c);
  },
  async 'tricky JSON and legitimate messages'(x) {
    const c = await chaosClient(x);
    if (!c) return;
    const junk = [...GENERIC_JUNK, ...x.proto.junk];
    for (let i = 1 + x.rng.int(5); i > 0; i--) {
      if (x.rng.next() < 0.4) await legit(x, (f) => c.send(f));
      else c.send(x.rng.pick(junk));
    }
    await expectExplained(x, 'tricky JSON', c);
  },
  async 'binary frames'(x) {
    const c = await chaosClient(x);
    if (!c) return;
    c.send(x.rng.bytes(1 + x.rng.int(100)), true);
    await expectExplained(x, 'binary', c);
  },
  async 'a frame over the size limit'(x) {
    const c = await chaosClient(x);
    if (!c) return;
    const max = x.relay.relay.dialects.get(x.proto.name)!.maxPayload;
    c.send('x'.repeat(max + 1 + x.rng.int(1000)));
    const closed = await Promise.race([c.closed, sleep(5000).then(() => undefined)]);
    if (closed?.code !== 1009 || !closed.reason) x.problems.push(`huge frame: expected 1009 with a reason, got ${JSON.stringify(closed)}`);
    c.ws.terminate();
  },
  async 'legitimate, then the TCP connection drops'(x) {
    const c = await chaosClient(x);
    if (!c) return;
    await legit(x, (f) => c.send(f));
    c.ws.terminate();
  },
  'invalid UTF-8 in a text frame': (x) => expectClose(x, 'bad UTF-8', (r) => r.write(frame(OP.text, Buffer.from([0x7b, 0xff, 0xfe, 0xc3, 0x28]))), 1007),
  'reserved bits set': (x) => expectClose(x, 'RSV bits', (r) => r.write(frame(OP.text, 'x', { rsv: 1 + x.rng.int(7) })), 1002),
  'a reserved opcode': (x) => expectClose(x, 'reserved opcode', (r) => r.write(frame(OP.reserved, 'x')), 1002),
  'an unmasked frame': (x) => expectClose(x, 'unmasked', (r) => r.write(frame(OP.text, 'x', { mask: false })), 1002),
  'a control frame over 125 bytes': (x) => expectClose(x, 'long ping', (r) => r.write(frame(OP.ping, 'p'.repeat(126))), 1002),
  'a fragmented control frame': (x) => expectClose(x, 'fragmented ping', (r) => r.write(frame(OP.ping, 'p', { fin: false })), 1002),
  'a continuation with nothing to continue': (x) => expectClose(x, 'orphan continuation', (r) => r.write(frame(OP.continuation, 'x')), 1002),
  'a new message inside a fragmented one': (x) =>
    expectClose(x, 'interleaved data', (r) => r.write(Buffer.concat([frame(OP.text, 'a', { fin: false }), frame(OP.text, 'b')])), 1002),
  'a close frame with an invalid code': (x) => expectClose(x, 'bad close code', (r) => r.write(frame(OP.close, closePayload(x.rng.pick([0, 999, 1004, 1005, 1006, 2999])))), 1002),
  'a length of 2^62 announced': (x) => expectClose(x, 'announced huge', (r) => r.write(frame(OP.text, Buffer.alloc(0), { announce: 1n << 62n })), 1009),
  async 'a legitimate message in fragments, with pings between'(x) {
    const raw = await RawSocket.upgrade(x.relay.port, await x.session.path(x.room));
    await legit(x, (f) => {
      const msg = Buffer.from(f);
      const cuts = [0, ...Array.from({ length: 3 }, () => x.rng.int(msg.length)).sort((a, b) => a - b), msg.length];
      for (let i = 0; i + 1 < cuts.length; i++) {
        raw.write(frame(i === 0 ? OP.text : OP.continuation, msg.subarray(cuts[i], cuts[i + 1]), { fin: i + 2 === cuts.length }));
        raw.write(frame(x.rng.pick([OP.ping, OP.pong]), x.rng.bytes(x.rng.int(20))));
      }
    });
    await sleep(50);
    raw.destroy();
  },
  async 'a malformed request to the REST API'(x) {
    const requests = x.session.badRequests ?? [];
    if (requests.length === 0) return;
    const res = await x.rng.pick(requests)();
    const body = await res.text();
    if (res.status < 400 || res.status >= 500 || body.trim() === '') x.problems.push(`bad request: expected a 4xx that says why, got ${res.status} ${body.slice(0, 100)}`);
  },
  async 'a request target that is not a plain path'(x) {
    // As a plain request, or as an upgrade where no protocol can take it (the others are upgraded like any path).
    const target = x.rng.pick(HOSTILE_TARGETS);
    const asUpgrade = target.startsWith('http://') && x.rng.next() < 0.5;
    const answer = await rawHttp(x.relay.port, asUpgrade ? rawUpgrade(target) : rawGet(target));
    if (answer.status < 400 || answer.status >= 500) x.problems.push(`target ${JSON.stringify(target.slice(0, 40))}: expected a 4xx, got ${answer.status}`);
  },
  async 'JSON nested as deep as the frame allows'(x) {
    const c = await chaosClient(x);
    if (!c) return;
    const max = x.relay.relay.dialects.get(x.proto.name)!.maxPayload;
    const depth = Math.min(100_000, Math.floor((max - 16) / 6));
    c.send(x.rng.pick(['{"a":'.repeat(depth) + '1' + '}'.repeat(depth), '['.repeat(depth * 2) + ']'.repeat(depth * 2), `{"to":"host","msg":${'['.repeat(depth)}${']'.repeat(depth)}}`]));
    await legit(x, (f) => c.send(f));
    await expectExplained(x, 'deep nesting', c);
  },
  async "a room named after a member of Object.prototype"(x) {
    // Its messages stay in it: an observer that gets a tag of this room fails the isolation check.
    const room = x.rng.pick(PROTO_NAMES);
    const y: Chaos = { ...x, room, tag: () => `chaos:${room}:${chaosTags++}` };
    const c = await chaosClient(y);
    if (!c) return;
    for (let i = 1 + x.rng.int(3); i > 0; i--) await legit(y, (f) => c.send(f));
    c.send(x.rng.pick(PROTO_JUNK));
    await expectExplained(x, 'prototype names', c);
  },
  async 'patterns that make a backtracking matcher crawl'(x) {
    const c = await chaosClient(x);
    if (!c) return;
    const pattern = '*a'.repeat(8 + x.rng.int(40)) + '*b';
    c.send(JSON.stringify({ to: 'host', command: 'list_peers', meta_filter: pattern }));
    c.send(JSON.stringify({ to: 'group', meta_filter: pattern, msg: 'x' }));
    await legit(x, (f) => c.send(f));
    await expectExplained(x, 'backtracking pattern', c);
  },
  async 'a thousand frames in one write'(x) {
    const raw = await RawSocket.upgrade(x.relay.port, await x.session.path(x.room));
    const frames: Buffer[] = [];
    const junk = [...GENERIC_JUNK.slice(0, 6), ...x.proto.junk];
    for (let i = 0; i < 1000; i++) frames.push(frame(OP.text, x.rng.pick(junk)));
    await legit(x, (f) => frames.push(frame(OP.text, f)));
    raw.write(Buffer.concat(frames));
    const got = await raw.closed(300);
    if (got && got.code !== 1000 && got.reason === '') x.problems.push(`a thousand frames: closed with ${got.code} and no reason`);
    raw.destroy();
  },
  async 'a legitimate message one byte at a time'(x) {
    const raw = await RawSocket.upgrade(x.relay.port, await x.session.path(x.room));
    const bytes: Buffer[] = [];
    await legit(x, (f) => bytes.push(frame(OP.text, f)));
    const all = Buffer.concat(bytes).subarray(0, 2000);
    for (let i = 0; i < all.length; i++) {
      raw.write(all.subarray(i, i + 1));
      await sleep(1);
    }
    await sleep(50);
    raw.destroy();
  },
  async 'malformed console API requests'(x) {
    const api = await ConsoleApiClient.open(x.consoleApi);
    try {
      for (let i = 1 + x.rng.int(4); i > 0; i--) {
        const [op, params] = x.rng.pick(BAD_CONSOLE_REQUESTS);
        const answer = await api.ask(op, params);
        if (!('error' in answer) || !answer.error) x.problems.push(`console ${JSON.stringify(op)} ${JSON.stringify(params).slice(0, 60)}: expected an error naming the parameter, got ${JSON.stringify(answer).slice(0, 100)}`);
      }
      const rooms = await api.ask('rooms', {});
      if (!('result' in rooms)) x.problems.push(`console: a good request after bad ones failed: ${JSON.stringify(rooms)}`);
    } finally {
      api.close();
    }
  },
  async 'a TCP connection that never speaks'(x) {
    x.abandoned.push(await RawSocket.connect(x.relay.port));
  },
  async 'a request cut off halfway'(x) {
    const raw = await RawSocket.connect(x.relay.port);
    raw.write(`GET ${await x.session.path(x.room)} HTTP/1.1\r\nHost: relay\r\nUpgrade: websocket\r\nSec-WebSocket-`);
    x.abandoned.push(raw);
  },
  async 'garbage instead of HTTP'(x) {
    const raw = await RawSocket.connect(x.relay.port);
    raw.write(x.rng.bytes(1 + x.rng.int(300)));
    x.abandoned.push(raw);
  },
  async 'a frame cut off halfway, then silence'(x) {
    const raw = await RawSocket.upgrade(x.relay.port, await x.session.path(x.room));
    raw.write(frame(OP.text, 'y'.repeat(1000)).subarray(0, 2 + x.rng.int(50)));
    x.abandoned.push(raw);
  },
  async 'a frame cut off halfway, then the TCP connection drops'(x) {
    const raw = await RawSocket.upgrade(x.relay.port, await x.session.path(x.room));
    raw.write(frame(OP.text, 'y'.repeat(1000)).subarray(0, 2 + x.rng.int(50)));
    raw.destroy();
  },
};

interface Observer {
  peer: FuzzPeer;
  index: number;
  frames: string[];
}

describe.each(FUZZ_PROTOCOLS)('fuzz: $name', (proto) => {
  it(`stays up, keeps serving every other peer and isolates rooms under malformed input from many peers (seed ${SEED})`, async () => {
    const relay = await startRelay({ handshakeTimeoutMs: 500, closeTimeoutMs: 500, keepaliveTickSeconds: 1, consoleToken: 'fuzz-console', ...proto.config });
    const consoleServer = serveConsole(relay.relay, { batchMs: 20 });
    const consoleApi = `${relay.url}/console/api?token=fuzz-console`;
    const base = `http://127.0.0.1:${relay.port}`;
    const session = proto.session({ url: relay.url, base });
    // A console watching all traffic through the chaos: it must keep getting its batches.
    const watcher = await ConsoleApiClient.open(consoleApi);
    try {
      await watcher.result('subscribeTraffic', {});
      const observers: Observer[] = [];
      for (const room of OBSERVED_ROOMS)
        for (let index = 0; index < OBSERVERS_PER_ROOM; index++) observers.push({ peer: await session.open(room), index, frames: [] });
      const members = observers.map((o) => o.peer);
      const collect = async (): Promise<void> => {
        for (const o of observers) o.frames.push(...(await o.peer.c.drain(0)));
      };

      const rng = new Rng(SEED);
      const problems: string[] = [];
      const abandoned: RawSocket[] = [];
      const names = Object.keys(ACTIONS);
      const workers = Array.from({ length: WORKERS }, (_, w) => {
        const wr = new Rng(SEED + 1 + w);
        return (async () => {
          for (let i = 0; i < ACTIONS_PER_WORKER; i++) {
            const name = wr.pick(names);
            const room = wr.pick(CHAOS_ROOMS);
            const x: Chaos = { rng: wr, relay, proto, session, members, room, abandoned, problems, consoleApi, tag: () => `chaos:${room}:${chaosTags++}` };
            await ACTIONS[name]!(x).catch((err: Error) => problems.push(`${name}: ${err.message}`));
          }
        })();
      });

      // Observers talk the whole time: every message must reach every other member of the room.
      let chaosDone = false;
      let rounds = 0;
      const talk = (async () => {
        for (; rounds < MAX_OBSERVER_ROUNDS && (!chaosDone || rounds < 3); rounds++) {
          for (const { peer, index } of observers) await sendTag(session, peer.room, peer, members, `obs:${peer.room}:${index}:${rounds}`, (f) => peer.c.send(f));
          await sleep(25 + rng.int(25));
        }
      })();
      // And the liveness probe, beside the chaos the whole time: a newcomer is served while it goes on.
      let probes = 0;
      const probe = (async () => {
        for (; !chaosDone && probes < 200; probes++) {
          await assertAlive(relay, { timeoutMs: 10_000 }).catch((err: Error) => problems.push(`liveness during the chaos: ${err.message}`));
          await sleep(50);
        }
      })();
      await Promise.all(workers);
      chaosDone = true;
      await Promise.all([talk, probe]);
      const batchesBefore = watcher.events.filter((e) => e.type === 'traffic').length;

      const expected = (o: Observer): string[] =>
        observers
          .filter((p) => p.peer.room === o.peer.room && session.reaches(p.peer, o.peer))
          .flatMap((p) => Array.from({ length: rounds }, (_, r) => `obs:${p.peer.room}:${p.index}:${r}`));
      const tagsOf = (o: Observer): string[] => o.frames.map((f) => session.tagOf(f)).filter((t): t is string => t !== undefined);
      await eventually(() => {
        void collect();
        return observers.every((o) => expected(o).every((t) => tagsOf(o).includes(t)));
      }, 10_000);
      await collect();

      expect(problems).toEqual([]);
      for (const o of observers) {
        const tags = tagsOf(o);
        expect(tags.filter((t) => t.split(':')[1] !== o.peer.room)).toEqual([]);
        expect(expected(o).filter((t) => !tags.includes(t))).toEqual([]);
      }
      // The relay itself lets go of every half-open socket: the handshake timeout or the keepalive.
      const observersOnly = await eventually(() => relay.relay.hub.size === observers.length && abandoned.every((r) => r.ended), 15_000);
      expect({ peers: relay.relay.hub.size, halfOpenLeft: abandoned.filter((r) => !r.ended).length }).toEqual({ peers: observers.length, halfOpenLeft: 0 });
      expect(observersOnly).toBe(true);
      // Chaos peers' legitimate messages reached their own room, so the isolation check above had something to catch.
      expect(observers.some((o) => tagsOf(o).some((t) => t.startsWith('chaos:')))).toBe(true);
      const log = relay.relay.log.recent();
      expect(log.filter((e) => e.level === 'error')).toEqual([]);
      expect(log.filter((e) => e.event === 'close' && e.message.includes('closed by relay') && !e.reason)).toEqual([]);
      expect(log.filter((e) => e.event === 'close' && e.message.includes('closed by relay') && e.code === 1002).length).toBeGreaterThan(0);
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      expect(probes).toBeGreaterThan(0);
      await assertAlive(relay);
      // The watching console saw the observers' traffic during the chaos, and still gets batches after it.
      const traffic = (e: ConsoleEvent): e is Extract<ConsoleEvent, { type: 'traffic' }> => e.type === 'traffic';
      expect(watcher.events.filter(traffic).some((e) => e.records.some((r) => r.preview.includes('obs:')))).toBe(true);
      await sendTag(session, observers[0]!.peer.room, observers[0]!.peer, members, `obs:${observers[0]!.peer.room}:0:${rounds}`, (f) => observers[0]!.peer.c.send(f));
      expect(await eventually(() => watcher.events.filter(traffic).length > batchesBefore, 5000)).toBe(true);
      for (const o of observers) await o.peer.c.close();
      for (const r of abandoned) r.destroy();
    } finally {
      watcher.close();
      consoleServer.stop();
      await relay.stop();
    }
  }, 90_000);
});
