import { afterEach, describe, expect, it } from 'vitest';
import { Client } from '../helpers/client.js';
import { whileAlive } from '../helpers/liveness.js';
import { startRelay, type Running } from '../helpers/relay.js';
import { MAX_FILTER_STEPS } from '../../relay/dialects/msg-relay/index.js';
import { matchSteps } from '../../relay/dialects/msg-relay/fnmatch.js';

type Msg = Record<string, unknown>;

let relay: Running;
const clients: Client[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await relay.stop();
});

async function peer(meta: string): Promise<{ c: Client; id: string }> {
  const c = await Client.open(`${relay.url}/msg-relay`, { headers: { 'x-peer-group': 'glob', 'x-peer-meta': meta } });
  clients.push(c);
  return { c, id: (await c.json<Msg>()).connection_id as string };
}

describe('a meta_filter with many stars against long metadata', () => {
  // A backtracking regex took seconds on 2.4 KB of "a" for "*a*a*b" and grew with the cube of the length.
  it.each([
    ['*a*a*b', 3600],
    ['*a*a*a*a*a*a*a*a*b', 60 * 1024],
    ['*a?a*[ab]*a[!c]*b*', 60 * 1024],
  ])('%s over %i bytes of metadata is answered while a newcomer is served', async (filter, size) => {
    relay = await startRelay();
    const long = await peer('a'.repeat(size));
    const matching = await peer('a'.repeat(size - 1) + 'b');
    const asker = await peer('asker');
    await Promise.all([long.c.drain(50), matching.c.drain(50)]);
    const list = await whileAlive(relay, async () => {
      asker.c.sendJson({ to: 'host', command: 'list_peers', meta_filter: filter });
      return asker.c.json<Msg>(10_000);
    });
    expect(list).toMatchObject({ message_type: 'peer_list', meta_filter: filter });
    expect((list.peer_list as Msg[]).map((p) => p.connection_id)).toEqual([matching.id]);
  });

  it('as a group message, reaches exactly the peers it matches and nobody waits', async () => {
    relay = await startRelay();
    const long = await peer('a'.repeat(60 * 1024));
    const matching = await peer('a'.repeat(100) + 'b');
    const sender = await peer('sender');
    await Promise.all([long.c.drain(50), matching.c.drain(50)]);
    await whileAlive(relay, async () => {
      sender.c.sendJson({ to: 'group', meta_filter: '*a*a*a*a*a*a*b', msg: 'hi' });
      expect(await matching.c.json<Msg>()).toMatchObject({ msg: 'hi', from: sender.id });
    });
    expect(await long.c.drain(100)).toEqual([]);
  });
});

/** 6,500 distinct CJK code points, sent in the query as browsers do: 58 KB percent-encoded, under the 64 KiB header limit. */
const CJK = Array.from({ length: 6_500 }, (_, i) => String.fromCodePoint(0x4e00 + i)).join('');
/** A run of 10,000 two-point classes: each distinct code point of the name tries every one (1.4 s a match before the bound). */
const CLASSES = '*' + Array.from({ length: 10_000 }, (_, i) => `[${String.fromCodePoint(0x4e00 + 2 * i)}-${String.fromCodePoint(0x4e01 + 2 * i)}]`).join('') + 'x*';
const TOO_LONG = { code: 1008, reason: `meta_filter would take too long to match against this group: over ${MAX_FILTER_STEPS} steps` };

describe('a meta_filter whose runs of classes would take seconds over large metadata', () => {
  async function wide(): Promise<{ sender: { c: Client; id: string }; other: Client }> {
    relay = await startRelay();
    const big = await Client.open(`${relay.url}/msg-relay?group=glob&meta=${encodeURIComponent(CJK)}`);
    clients.push(big);
    await big.json<Msg>();
    const sender = await peer('sender');
    await big.json<Msg>();
    return { sender, other: big };
  }

  it('closes a list_peers that asks for it with 1008 and why, at once, while a newcomer is served', async () => {
    const { sender } = await wide();
    await whileAlive(relay, async () => {
      sender.c.sendJson({ to: 'host', command: 'list_peers', meta_filter: CLASSES });
      expect(await sender.c.closed).toEqual(TOO_LONG);
    });
  });

  it('closes a group message that asks for it the same way, and delivers it to nobody', async () => {
    const { sender, other } = await wide();
    await whileAlive(relay, async () => {
      sender.c.sendJson({ to: 'group', meta_filter: CLASSES, msg: 'hi' });
      expect(await sender.c.closed).toEqual(TOO_LONG);
    });
    const after = (await other.drain(200)).map((f) => JSON.parse(f) as Msg);
    expect(after.map((m) => m.message_type)).toEqual(['peer_disconnect']);
  });

  it('counts a run of literals once per code point of the name, however long the pattern', () => {
    expect(matchSteps('*abc*', 1000)).toBe(1000 + 1000 + 3 + 1000);
    expect(matchSteps('*', 1_000_000)).toBe(0);
    expect(matchSteps('*[ab]c*', 1000)).toBeGreaterThan(matchSteps('*abc*', 1000));
  });
});
