import { describe, expect, it } from 'vitest';
import { Client } from '../helpers/client.js';
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
    const relay = await startRelay({ handshakeTimeoutMs: 500, closeTimeoutMs: 500, keepaliveTickSeconds: 1, ...proto.config });
    const base = `http://127.0.0.1:${relay.port}`;
    const session = proto.session({ url: relay.url, base });
    try {
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
            const x: Chaos = { rng: wr, relay, proto, session, members, room, abandoned, problems, tag: () => `chaos:${room}:${chaosTags++}` };
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
      await Promise.all(workers);
      chaosDone = true;
      await talk;

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
      for (const o of observers) await o.peer.c.close();
      for (const r of abandoned) r.destroy();
    } finally {
      await relay.stop();
    }
  }, 90_000);
});
