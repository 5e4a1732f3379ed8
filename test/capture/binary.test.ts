import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCapture, type InRecord } from '../../relay/capture/format.js';
import { Client } from '../helpers/client.js';
import { startRelay, type Running } from '../helpers/relay.js';

let relay: Running;
let ins: InRecord[];

const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));

/**
 * A capture tells a binary client frame from a text one by the observer event's `binary` flag
 * alone: the same bytes sent as text must come out as text, and as binary as base64.
 */
beforeAll(async () => {
  relay = await startRelay({ record: join(mkdtempSync(join(tmpdir(), 'switchboard-capture-')), 'binary.jsonl') });
  const c1 = await Client.open(`${relay.url}/compendium`);
  const c2 = await Client.open(`${relay.url}/compendium`);
  c1.sendJson({ type: 'INIT' });
  await c1.json();
  c2.sendJson({ type: 'INIT' });
  const addr = (await c2.json<{ EpheWssAddr: string }>()).EpheWssAddr;
  // Forwarded (a `sent` event) and addressed to nobody (an `inbound` event), each as binary and as text.
  c1.send(json({ type: 'ROUTE', EpheWssAddr: addr, msg: 'routed binary' }), true);
  await c2.json();
  c1.send(json({ type: 'ROUTE', EpheWssAddr: addr, msg: 'routed text' }), false);
  await c2.json();
  c1.send(json({ type: 'ROUTE', EpheWssAddr: 'nobody', msg: 'unrouted binary' }), true);
  c1.send(json({ type: 'ROUTE', EpheWssAddr: 'nobody', msg: 'unrouted text' }), false);
  await c1.drain(100);
  // Refused: msg-relay takes text only.
  const m = await Client.open(`${relay.url}/msg-relay`);
  await m.json();
  m.send(json({ to: 'group', msg: 'refused binary' }), true);
  await m.closed;
  for (const c of [c1, c2]) await c.close();
  const file = relay.relay.captures.overview().current!;
  expect(file.state).toBe('recording');
  await relay.relay.captures.stop('done');
  ins = parseCapture(readFileSync(relay.relay.captures.path(file.name)!, 'utf8')).records.filter((r): r is InRecord => r.type === 'in');
}, 30_000);

afterAll(() => relay?.stop());

const decoded = (r: InRecord): string => (r.base64 !== undefined ? Buffer.from(r.base64, 'base64').toString() : r.text!);
const find = (msg: string): InRecord => ins.find((r) => decoded(r).includes(msg))!;

describe('a capture of binary frames', () => {
  it('records a forwarded binary frame as base64 and a text one as text', () => {
    expect(find('routed binary')).toMatchObject({ protocol: 'compendium', base64: expect.any(String) });
    expect(find('routed binary').text).toBeUndefined();
    expect(find('routed text')).toMatchObject({ protocol: 'compendium', text: expect.stringContaining('routed text') });
    expect(find('routed text').base64).toBeUndefined();
  });

  it('records a binary frame the relay did not forward as base64', () => {
    expect(find('unrouted binary')).toMatchObject({ to: 'nobody', base64: expect.any(String) });
    expect(find('unrouted text')).toMatchObject({ to: 'nobody', text: expect.stringContaining('unrouted text') });
  });

  it('records a refused binary frame as base64, with why', () => {
    expect(find('refused binary')).toMatchObject({ protocol: 'msg-relay', base64: expect.any(String), refused: '1003 Server Unsupported Data: Text Only' });
  });
});
