import { afterEach, describe, expect, it } from 'vitest';
import { ConsoleService, type ConsoleSession } from '../../relay/console/service.js';
import type { ConsoleEvent, TrafficFilter, TrafficRecord } from '../../relay/console/types.js';
import { Client } from '../helpers/client.js';
import { startRelay, type Running } from '../helpers/relay.js';

/** Whole frames in the tap, fetched and searched through the console service, over a real relay. */

const open: Client[] = [];
let relay: Running;
let service: ConsoleService;

afterEach(async () => {
  for (const c of open.splice(0)) await c.close();
  service?.stop();
  await relay?.stop();
});

async function setup(overrides: Parameters<typeof startRelay>[0] = {}): Promise<ConsoleSession> {
  relay = await startRelay(overrides);
  service = new ConsoleService(relay.relay, { batchMs: 20, statsMs: 1000 });
  return service.session();
}

async function msgRelayPeer(group: string): Promise<{ client: Client; id: string }> {
  const client = await Client.open(`${relay.url}/msg-relay?group=${group}`);
  open.push(client);
  const m = await client.json();
  return { client, id: m.connection_id as string };
}

type Traffic = Extract<ConsoleEvent, { type: 'traffic' }>;

/** The records a filter finds among the newest the tap holds: the same search a subscription runs, in one pass. */
async function found(s: ConsoleSession, filter: TrafficFilter): Promise<TrafficRecord[]> {
  return (await s.request('exportTraffic', { filter })).records;
}

describe('whole frames in the console', () => {
  it('keeps a 200 KiB message whole, gives it by seq, and finds text past its preview', async () => {
    const s = await setup();
    const a = await msgRelayPeer('lobby');
    const b = await msgRelayPeer('lobby');
    await b.client.drain(50);
    const big = JSON.stringify({ to: b.id, items: Array.from({ length: 4000 }, (_, i) => ({ i, word: `w${i}`.padEnd(40, '.') })), tail: 'the-needle-at-the-end' });
    expect(big.length).toBeGreaterThan(200 * 1024);
    a.client.send(big);
    await b.client.next();
    const [rec] = await found(s, { text: 'NEEDLE-AT-THE-END' });
    expect(rec).toMatchObject({ kind: 'message', from: a.id, to: b.id, size: big.length });
    expect(rec!.truncated).toBeUndefined();
    const detail = (await s.request('frame', { seq: rec!.seq }))!;
    expect(detail.encoding).toBe('text');
    expect(detail.data).toBe(big);
    expect(await found(s, { text: 'needle', regex: true, minSize: 200 * 1024 })).toHaveLength(1);
    expect(await found(s, { text: 'the-needle-at-the-end', maxSize: 1000 })).toHaveLength(0);
    expect(await found(s, { text: 't[h]e-needle-.t-the-end$', regex: true })).toHaveLength(0);
    expect((await found(s, { text: 'the-needle-at-the-end"}$', regex: true })).map((r) => r.seq)).toEqual([rec!.seq]);
    expect(await s.request('frame', { seq: 10_000_000 })).toBeNull();
    await expect(s.request('frame', { seq: 'x' as unknown as number })).rejects.toThrow(/frame: seq must be a whole number from 1, got "x"/);
  });

  it('keeps only the start of a frame over the per-frame cap, marked truncated', async () => {
    const s = await setup({ tapFrameBytes: 4096 });
    const a = await msgRelayPeer('lobby');
    a.client.sendJson({ to: 'nobody', text: 'x'.repeat(10_000) });
    await expect.poll(async () => (await found(s, { peer: a.id, kinds: ['message'] })).length).toBe(1);
    const [rec] = await found(s, { peer: a.id, kinds: ['message'] });
    expect(rec).toMatchObject({ truncated: true });
    expect(rec!.size).toBeGreaterThan(10_000);
    expect((await s.request('frame', { seq: rec!.seq }))!.data).toHaveLength(4096);
  });

  it('keeps a binary frame as bytes and gives it as base64', async () => {
    const s = await setup();
    const peer = await Client.open(`${relay.url}/ws-relay/room1`);
    open.push(peer);
    await peer.next();
    const bytes = Buffer.from([0x2a, 0x20, 0x00, 0xff, 0xfe, 0x80, 0x01]); // "* " then bytes: two parts, dropped as in the original
    peer.send(bytes, true);
    await expect.poll(async () => (await found(s, { protocol: 'spacewar', kinds: ['message'] })).length).toBe(1);
    const [rec] = await found(s, { protocol: 'spacewar', kinds: ['message'] });
    expect(rec).toMatchObject({ binary: true, preview: '2a 20 00 ff fe 80 01', size: bytes.length });
    const detail = (await s.request('frame', { seq: rec!.seq }))!;
    expect(detail.encoding).toBe('base64');
    expect(Buffer.from(detail.data, 'base64')).toEqual(bytes);
  });

  it('finds a peer among the recipients it is filtered by, and refuses a bad filter by name', async () => {
    const s = await setup();
    const a = await msgRelayPeer('lobby');
    const b = await msgRelayPeer('lobby');
    await a.client.drain(50);
    b.client.sendJson({ to: a.id, text: 'to a' });
    await a.client.next();
    const mine = await found(s, { peer: a.id, kinds: ['message'] });
    expect(mine.map((r) => [r.from, r.to])).toEqual([[b.id, a.id]]);
    await expect(s.request('subscribeTraffic', { filter: { text: '(', regex: true } })).rejects.toThrow(/not a regular expression/);
    await expect(s.request('subscribeTraffic', { filter: { minSize: -1 } })).rejects.toThrow(/filter.minSize must be a whole number from 0, got -1/);
    await expect(s.request('subscribeTraffic', { filter: { regex: 'yes' as unknown as boolean } })).rejects.toThrow(/filter.regex must be true or false/);
    await expect(s.request('subscribeTraffic', { filter: { text: 'a'.repeat(513), regex: true } })).rejects.toThrow(/filter.text must be at most 512 characters/);
  });

  it('keeps a fan-out as one record with its recipients, and a frame made for each recipient once for each', async () => {
    const s = await setup();
    const a = await msgRelayPeer('lobby');
    const b = await msgRelayPeer('lobby');
    const c = await msgRelayPeer('lobby');
    a.client.sendJson({ to: 'group', meta_filter: '*', text: 'to all' });
    await b.client.drain(100);
    const [fanout] = await found(s, { kinds: ['message'], text: 'to all' });
    expect(fanout).toMatchObject({ from: a.id, recipients: 2 });
    expect(new Set(fanout!.recipientIds)).toEqual(new Set([b.id, c.id]));
    expect((await found(s, { peer: c.id, kinds: ['message'] })).map((r) => r.seq)).toEqual([fanout!.seq]);
    // c's peer_connect went to a and to b, each frame naming its own recipient.
    const connects = (await found(s, { kinds: ['relay'], text: 'peer_connect' })).filter((r) => r.preview.includes(c.id));
    expect(connects.map((r) => r.to).sort()).toEqual([a.id, b.id].sort());
    for (const r of connects) expect(JSON.parse((await s.request('frame', { seq: r.seq }))!.data)).toMatchObject({ to: r.to });
  });

  it('stops a regular expression that backtracks without end, and the relay goes on serving', async () => {
    const s = await setup();
    const a = await msgRelayPeer('lobby');
    a.client.sendJson({ to: 'nobody', text: 'a'.repeat(5000) + '!' });
    const ended = new Promise<Traffic>((resolve) => s.onEvent((e) => e.type === 'traffic' && e.error !== undefined && resolve(e)));
    await s.request('subscribeTraffic', { filter: { text: '(a+)+$b', regex: true }, backlog: 100 });
    expect((await ended).error).toMatch(/took over 50 ms/);
    a.client.send('ping');
    expect(await a.client.next()).toBe('pong');
  });
});
