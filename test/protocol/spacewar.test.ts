import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { InjectError } from '../../relay/dialects/types.js';
import { Client } from '../helpers/client.js';
import { RelaySession } from '../helpers/session.js';

/** What spacewar's ws-relay.js makes of a frame: the source, the type, and the message after them. */
interface Received {
  source: string;
  msgtype: string;
  message: string;
}

/** Reads frames the way ws-relay.js does: split off two fields at single spaces. */
function parseLikeWsRelayJs(data: string): Received {
  const [source = '', msgtype = ''] = data.split(' ', 2);
  return { source, msgtype, message: data.substring(source.length + msgtype.length + 2) };
}

class Player {
  constructor(readonly client: Client) {}

  async next(): Promise<Received> {
    return parseLikeWsRelayJs(await this.client.next());
  }

  /** The frames the game would see as `${source} ${msgtype}`, for ordering checks. */
  async events(count: number): Promise<string[]> {
    const out: string[] = [];
    for (let i = 0; i < count; i++) {
      const r = await this.next();
      out.push(`${r.source} ${r.msgtype}`);
    }
    return out;
  }

  /** ws-relay.js's send(message, target='*'). */
  send(message: string, target = '*'): void {
    this.client.send(`${target} ${message}`);
  }

  async silent(): Promise<void> {
    expect(await this.client.drain()).toEqual([]);
  }
}

const session = new RelaySession();

const connect = async (room = '/ws-relay/test'): Promise<Player> => {
  return new Player(await session.open(room));
};

/** Connects and reads its self notice and the members' joins; returns the player and its id. */
const join = async (room = '/ws-relay/test'): Promise<[Player, string]> => {
  const members = session.relay.hub.roomSize('spacewar', room);
  const p = await connect(room);
  const self = await p.next();
  expect(self.msgtype).toBe('self');
  expect((await p.events(members)).every((e) => e.endsWith(' join'))).toBe(true);
  return [p, self.source];
};

/** The relay learns of a client's close a moment after the client does: poll, bounded. */
async function settled(count: number): Promise<void> {
  for (let i = 0; i < 100 && session.relay.hub.size !== count; i++) await new Promise((r) => setTimeout(r, 10));
  expect(session.relay.hub.size).toBe(count);
}

describe('spacewar joining and leaving', () => {
  it('sends self, then the members in join order, then tells the others', async () => {
    const [a, one] = await join();
    expect(one).toBe('1');
    const b = await connect();
    expect(await b.events(2)).toEqual(['2 self', '1 join']);
    expect(await a.events(1)).toEqual(['2 join']);
    const c = await connect();
    expect(await c.events(3)).toEqual(['3 self', '1 join', '2 join']);
    expect(await a.events(1)).toEqual(['3 join']);
    expect(await b.events(1)).toEqual(['3 join']);
  });

  it('tells the others "<id> quit" when a member leaves, and keeps counting while the room lives', async () => {
    const [a] = await join();
    const [b] = await join();
    await a.events(1);
    await b.client.close();
    expect(await a.events(1)).toEqual(['2 quit']);
    const [, three] = await join();
    expect(three).toBe('3');
  });

  it('starts ids over at 1 when the room empties', async () => {
    const [a] = await join();
    const [b] = await join();
    await a.client.close();
    await b.client.close();
    await settled(0);
    const [, id] = await join();
    expect(id).toBe('1');
  });

  it('makes the newcomer a member at once: a reply to its join reaches it (D4)', async () => {
    const [a] = await join();
    const b = await connect();
    await a.events(1);
    a.send('hello newcomer');
    expect(await b.events(3)).toEqual(['2 self', '1 join', '1 hello']);
  });
});

describe('spacewar rooms', () => {
  it('keys rooms by the whole path and query, case-sensitive', async () => {
    const rooms = ['/ws-relay/test?game=1', '/ws-relay/test?game=2', '/ws-relay/TEST?game=1', '/ws-relay/test'];
    const players: Player[] = [];
    for (const room of rooms) {
      const [p, id] = await join(room);
      expect(id).toBe('1');
      players.push(p);
    }
    players[0]!.send('report {}');
    for (const p of players) await p.silent();
  });

  it('isolates rooms: a message to an id reaches only that id in the sender\'s room', async () => {
    const [a] = await join('/ws-relay/a');
    const [a2] = await join('/ws-relay/a');
    const [b] = await join('/ws-relay/b');
    const [b2] = await join('/ws-relay/b');
    await a.events(1);
    await b.events(1);
    a.send('hi', '2');
    expect(await a2.next()).toEqual({ source: '1', msgtype: 'hi', message: '' });
    await b2.silent();
    await b.silent();
  });
});

describe('spacewar messages', () => {
  it('broadcasts "*" to every other member, never the sender', async () => {
    const [a] = await join();
    const [b] = await join();
    const [c] = await join();
    await a.events(2);
    await b.events(1);
    b.send('report {"x": 1}');
    expect(await a.next()).toEqual({ source: '2', msgtype: 'report', message: '{"x": 1}' });
    expect(await c.next()).toEqual({ source: '2', msgtype: 'report', message: '{"x": 1}' });
    await b.silent();
  });

  it('sends to one id, to the sender itself, and drops an unknown id', async () => {
    const [a] = await join();
    const [b] = await join();
    await a.events(1);
    a.send('score', '2');
    expect(await b.next()).toEqual({ source: '1', msgtype: 'score', message: '' });
    a.send('note to self', '1');
    expect(await a.next()).toEqual({ source: '1', msgtype: 'note', message: 'to self' });
    // The relay never reads the type, so a member can send what looks like a notice.
    a.send('quit', '2');
    expect(await b.next()).toEqual({ source: '1', msgtype: 'quit', message: '' });
    a.send('lost', '9');
    a.send('lost', '02');
    await b.silent();
    await a.silent();
    expect(a.client.ws.readyState).toBe(a.client.ws.OPEN);
  });

  it('carries multi-line SDP offers unchanged', async () => {
    const [a] = await join();
    const [b] = await join();
    await a.events(1);
    const sdp = 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n';
    b.send(`offer ${sdp}`, '1');
    expect(await a.next()).toEqual({ source: '2', msgtype: 'offer', message: sdp });
  });

  it('splits exactly like Python str.split(None, 1)', async () => {
    // The separators include every character Python counts as whitespace and two it does not.
    const separators = ['\t', '\n', '\v', '\f', '\r', '\x1c', '\x1f', ' ', '\x85', '\xa0', '\u1680', '\u2000', '\u200a', '\u2028', '\u2029', '\u202f', '\u205f', '\u3000', '\ufeff', '\u200b'];
    const frames = [
      '2 hello   there  ',
      '  \t*\n\nreport {"a": 1}\n',
      '*\treport {...}',
      ...separators.map((s) => `*${s}${s}msg${s}tail${s}`),
      ...separators.map((s) => `${s}*${s}`),
    ];
    const expected = JSON.parse(
      execFileSync('/usr/bin/python3', ['-c', 'import json,sys; print(json.dumps([s.split(None, 1) for s in json.load(sys.stdin)]))'], {
        input: JSON.stringify(frames),
        timeout: 10_000,
      }).toString(),
    ) as string[][];
    for (const [i, frame] of frames.entries()) {
      const [a] = await join(`/ws-relay/split${i}`);
      const [b] = await join(`/ws-relay/split${i}`);
      await a.events(1);
      const parts = expected[i]!;
      b.client.send(frame);
      if (parts.length === 2) {
        // "2" is b itself, "*" is a: either way the frame is "<2> <rest>".
        const to = parts[0] === '2' ? b : a;
        expect(await to.client.next(), JSON.stringify(frame)).toBe(`2 ${parts[1]}`);
      } else {
        expect((await b.client.closed).code, JSON.stringify(frame)).toBe(1011);
        expect(await a.events(1)).toEqual(['2 quit']);
      }
    }
    expect(expected.filter((p) => p.length === 1).length).toBe(separators.length + 2);
  });
});

describe('spacewar errors', () => {
  it.each([['lonely'], [''], ['  '], ['* ']])('%j closes the sender with 1011 and a reason; the others get its quit', async (frame) => {
    const [a] = await join();
    const [b] = await join();
    await a.events(1);
    b.client.send(frame);
    const closed = await b.client.closed;
    expect(closed.code).toBe(1011);
    expect(closed.reason).toMatch(/two parts/);
    expect(await a.events(1)).toEqual(['2 quit']);
  });

  it('drops a binary frame with two parts, and closes one with a single part with 1011', async () => {
    const [a] = await join();
    const [b] = await join();
    await a.events(1);
    b.client.send(Buffer.from('* report {}'), true);
    b.client.send(Buffer.from('1 report {}'), true);
    await a.silent();
    expect(b.client.ws.readyState).toBe(b.client.ws.OPEN);
    b.client.send(Buffer.from('lonely'), true);
    expect((await b.client.closed).code).toBe(1011);
    expect(await a.events(1)).toEqual(['2 quit']);
  });

  it('closes a message over 1 MiB with 1009, and the others get its quit', async () => {
    const [a] = await join();
    const [b] = await join();
    await a.events(1);
    const big = '* ' + 'x'.repeat(1024 * 1024 - 2);
    b.client.send(big);
    expect((await a.client.next(5000)).length).toBe(1024 * 1024);
    b.client.send(big + 'x');
    expect((await b.client.closed).code).toBe(1009);
    expect(await a.events(1)).toEqual(['2 quit']);
  });

  it('closes only a recipient that cannot keep up; the sender and the rest go on (D4)', async () => {
    await session.restart({ maxQueueBytes: 64 * 1024 });
    const [slow] = await join();
    const [sender] = await join();
    const [watcher] = await join();
    await slow.events(2);
    await sender.events(1);
    // The slow member stops reading; its socket buffers fill, then its relay queue.
    slow.client.ws.pause();
    const chunk = 'x'.repeat(60 * 1024);
    let slowClosed = false;
    void slow.client.closed.then(() => (slowClosed = true));
    for (let i = 0; i < 2000 && !slowClosed && session.relay.core.delivery.counters.spacewar.drops === 0; i++) {
      sender.send(`bulk ${chunk}`, '1');
      await new Promise((r) => setTimeout(r, 1));
    }
    expect(session.relay.core.delivery.counters.spacewar.drops).toBe(1);
    expect(await sender.events(1)).toEqual(['1 quit']);
    expect(await watcher.events(1)).toEqual(['1 quit']);
    sender.send('still here', '3');
    expect(await watcher.next()).toEqual({ source: '2', msgtype: 'still', message: 'here' });
    expect(sender.client.ws.readyState).toBe(sender.client.ws.OPEN);
  });
});

describe('spacewar keepalive', () => {
  it('pings a silent peer after 20 s and closes it with 1011 20 s later', async () => {
    const [a] = await join();
    const pinged = new Promise<void>((resolve) => a.client.ws.once('ping', () => resolve()));
    session.relay.core.keepalive.sweep(Date.now() + 20_500);
    await pinged;
    session.relay.core.keepalive.sweep(Date.now() + 40_500);
    expect(await a.client.closed).toEqual({ code: 1011, reason: 'keepalive ping timeout' });
  });
});

describe('spacewar operator messages (E4)', () => {
  it('come from source 0, to one peer, a room or everyone', async () => {
    const dialect = session.relay.dialects.get('spacewar')!;
    const [a] = await join('/ws-relay/one');
    const [b] = await join('/ws-relay/one');
    const [c] = await join('/ws-relay/two');
    await a.events(1);
    const keyOfB = [...session.relay.hub.members('spacewar', '/ws-relay/one')][1]!.key;
    expect(dialect.inject({ kind: 'peer', peer: keyOfB }, 'chat just you')).toBe(1);
    expect(await b.next()).toEqual({ source: '0', msgtype: 'chat', message: 'just you' });
    expect(dialect.inject({ kind: 'room', room: '/ws-relay/one' }, 'chat room')).toBe(2);
    expect(await a.next()).toEqual({ source: '0', msgtype: 'chat', message: 'room' });
    expect(await b.next()).toEqual({ source: '0', msgtype: 'chat', message: 'room' });
    await c.silent();
    expect(dialect.inject({ kind: 'everyone' }, 'chat all')).toBe(3);
    for (const p of [a, b, c]) expect(await p.next()).toEqual({ source: '0', msgtype: 'chat', message: 'all' });
    expect(() => dialect.inject({ kind: 'room', room: '/ws-relay/one', filter: 'x*' }, 'chat')).toThrow(InjectError);
    expect(() => dialect.inject({ kind: 'peer', peer: 'nobody' }, 'chat')).toThrow(InjectError);
  });
});
