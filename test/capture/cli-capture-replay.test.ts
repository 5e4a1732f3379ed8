import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCapture, type Capture, type CloseRecord, type InRecord, type OpenRecord, type OutRecord } from '../../relay/capture/format.js';
import { BIG_FRAME_BYTES, EXCHANGE_SECRET, EXCHANGE_TOKEN, playExchange } from '../helpers/exchange.js';
import { runCli, type Spawned } from '../helpers/process.js';
import { startRelay, type Running } from '../helpers/relay.js';

const relayFlags = ['--port', '0', '--access-token', EXCHANGE_TOKEN, '--channelstream-secret', EXCHANGE_SECRET];
const replayFlags = ['--channelstream-secret', EXCHANGE_SECRET, '--access-token', EXCHANGE_TOKEN];
const freshRelay = (overrides: Parameters<typeof startRelay>[0] = {}): Promise<Running> =>
  startRelay({ accessToken: EXCHANGE_TOKEN, channelstreamSecret: EXCHANGE_SECRET, ...overrides });

async function replayInto(file: string, url: string, extra: string[] = []): Promise<{ code: number | null; out: string }> {
  const p = runCli(['replay', file, '--url', url, ...replayFlags, ...extra]);
  const { code } = await p.exited;
  return { code, out: p.output() };
}

let file: string;
let capture: Capture;
let cli: Spawned;

beforeAll(async () => {
  file = join(mkdtempSync(join(tmpdir(), 'switchboard-capture-')), 'session.jsonl');
  cli = runCli(['serve', ...relayFlags, '--record', file]);
  const [, url] = await cli.waitFor(/msg-relay[^\n]* on (ws:\/\/127\.0\.0\.1:\d+)\//);
  await playExchange(url!);
  cli.child.kill('SIGTERM');
  expect((await cli.exited).code).toBe(0);
  capture = parseCapture(readFileSync(file, 'utf8'));
}, 60_000);

afterAll(() => {
  if (cli.child.exitCode === null) cli.child.kill('SIGKILL');
});

const ofType = <T extends Capture['records'][number]>(type: T['type']): T[] => capture.records.filter((r) => r.type === type) as T[];

describe('switchboard serve --record', () => {
  it('writes a versioned header and ends with the reason it stopped', () => {
    expect(capture.header).toMatchObject({ format: 'switchboard-capture', version: 1, by: 'cli', relay: { protocols: ['msg-relay', 'compendium', 'spacewar', 'intercessor', 'channelstream'] } });
    expect(capture.header.redacted).toMatch(/Authorization/);
    expect(capture.records.at(-1)).toMatchObject({ type: 'end', reason: 'the relay stopped' });
    const times = capture.records.map((r) => r.t);
    expect(times).toEqual([...times].sort((x, y) => x - y));
  });

  it('records every open with its handshake, and never a credential', () => {
    const opens = ofType<OpenRecord>('open');
    expect(new Set(opens.map((o) => o.protocol))).toEqual(new Set(['msg-relay', 'spacewar', 'compendium', 'intercessor', 'channelstream']));
    const byHeader = opens.find((o) => o.headers['x-peer-meta'] === 'alpha')!;
    expect(byHeader).toMatchObject({ path: '/msg-relay', query: '', remote: '127.0.0.1', headers: { 'x-peer-group': 'g1' } });
    const byQuery = opens.find((o) => o.query.includes('meta=beta'))!;
    expect(byQuery.query).toBe('group=g1&meta=beta');
    expect(opens.find((o) => o.protocol === 'spacewar')).toMatchObject({ path: '/ws-relay/arena', query: '' });
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain(EXCHANGE_TOKEN);
    expect(text).not.toContain(EXCHANGE_SECRET);
    expect(text.toLowerCase()).not.toContain('authorization":');
  });

  it('records client frames whole, with their direction, and what the relay sent to whom', () => {
    const ins = ofType<InRecord>('in');
    const big = ins.find((r) => r.size > BIG_FRAME_BYTES)!;
    expect(JSON.parse(big.text!).msg).toHaveLength(BIG_FRAME_BYTES);
    const outs = ofType<OutRecord>('out');
    const opens = ofType<OpenRecord>('open');
    const b = opens.find((o) => o.query.includes('meta=beta'))!;
    const toB = outs.filter((o) => o.to.includes(b.peer)).map((o) => o.text!);
    expect(JSON.parse(toB[0]!)).toMatchObject({ message_type: 'connection_id', connection_id: b.id });
    expect(toB.slice(1).map((t) => (t === 'pong' ? t : (JSON.parse(t) as { msg: string }).msg.slice(0, 8)))).toEqual(['hello b', 'pong', 'xxxxxxxx']);
    expect(ins.find((r) => r.text === 'ping')).toMatchObject({ to: 'relay', protocol: 'msg-relay' });
    expect(outs.find((r) => r.text === 'pong')).toMatchObject({ from: 'relay', to: [b.peer] });
  });

  it('records a refused frame with why, and closes with who closed', () => {
    const refused = ofType<InRecord>('in').find((r) => r.refused !== undefined)!;
    expect(refused).toMatchObject({ text: 'this is not json', refused: '1008 messages must be in JSON format' });
    const closes = ofType<CloseRecord>('close');
    expect(closes.find((c) => c.peer === refused.peer)).toMatchObject({ code: 1008, reason: 'messages must be in JSON format', by: 'relay' });
    expect(closes.filter((c) => c.by === 'client').length).toBeGreaterThanOrEqual(9);
  });

  it('records channelstream REST calls with their answers', () => {
    const calls = capture.records.filter((r) => r.type === 'http');
    expect(calls.map((c) => (c as { path: string }).path)).toEqual(['/connect', '/message']);
    expect(calls[0]).toMatchObject({ method: 'POST', status: 200 });
  });
});

describe('switchboard replay', () => {
  it('replays the capture into a fresh relay with nothing missing, and exits 0', async () => {
    const relay = await freshRelay();
    try {
      const { code, out } = await replayInto(file, relay.url);
      expect(out).toMatch(/no differences\n$/);
      expect(out).toMatch(/msg-relay p\d+ \(\S+ -> \S+\) in g1: \d+ expected, \d+ received: same/);
      expect(code).toBe(0);
    } finally {
      await relay.stop();
    }
  }, 60_000);

  it('reports the frames a relay with a smaller frame limit refused, and exits 1', async () => {
    const relay = await freshRelay({ msgRelayMaxFrameBytes: 2048 });
    try {
      const { code, out } = await replayInto(file, relay.url, ['--speed', '2']);
      expect(out).toMatch(/\(close 1009 message too big: the limit is 2048 bytes\)/);
      expect(out).toMatch(/missing +#\d+ .*x{20}/);
      expect(out).toMatch(/differences: [1-9]\d* missing/);
      expect(code).toBe(1);
    } finally {
      await relay.stop();
    }
  }, 60_000);

  it('says what it did as JSON with --json', async () => {
    const relay = await freshRelay();
    try {
      const { code, out } = await replayInto(file, relay.url, ['--json', '--room', '/ws-relay/arena']);
      const report = JSON.parse(out) as { differed: boolean; clients: { protocol: string; replayedId: string }[] };
      expect(report.clients.map((c) => [c.protocol, c.replayedId])).toEqual([
        ['spacewar', '1'],
        ['spacewar', '2'],
      ]);
      expect(report.differed).toBe(false);
      expect(code).toBe(0);
    } finally {
      await relay.stop();
    }
  }, 60_000);

  it('exits 2 with one line for a file that is not a capture', async () => {
    const bad = join(mkdtempSync(join(tmpdir(), 'switchboard-capture-')), 'bad.jsonl');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(bad, '{"hello": 1}\n');
    const { code, out } = await replayInto(bad, 'ws://127.0.0.1:1');
    expect(out.trim()).toBe(`switchboard: ${bad}: line 1: not a Switchboard capture (no "format": "switchboard-capture")`);
    expect(code).toBe(2);
  });
});
