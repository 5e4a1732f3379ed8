import { execFile } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { InjectError } from '../../relay/dialects/types.js';
import { Client } from '../helpers/client.js';
import { freePort } from '../helpers/port.js';
import { RelaySession } from '../helpers/session.js';

const HEX32 = /^[0-9a-f]{32}$/;
const NOT_FOUND = { type: 'ERR', errCode: 404, errMsg: 'Socket address not found' };

const session = new RelaySession();

const open = (path = '/compendium'): Promise<Client> => session.open(path);

/** Opens a socket and INITs it; returns the socket and its address. */
const initialised = async (): Promise<[Client, string]> => {
  const c = await open();
  c.sendJson({ type: 'INIT' });
  const resp = await c.json<{ EpheWssAddr: string }>();
  return [c, resp.EpheWssAddr];
};

describe('compendium INIT', () => {
  it('answers with exactly {type, EpheWssAddr}: 32 lowercase hex', async () => {
    const c = await open();
    c.sendJson({ type: 'INIT', extra: 'ignored' });
    const resp = await c.json();
    expect(Object.keys(resp)).toEqual(['type', 'EpheWssAddr']);
    expect(resp.type).toBe('INITRESP');
    expect(resp.EpheWssAddr).toMatch(HEX32);
  });

  it('mints a new address on every INIT, and the older ones stay routable', async () => {
    const [a, first] = await initialised();
    a.sendJson({ type: 'INIT' });
    const second = (await a.json<{ EpheWssAddr: string }>()).EpheWssAddr;
    expect(second).toMatch(HEX32);
    expect(second).not.toBe(first);
    const b = await open();
    b.sendJson({ type: 'ROUTE', EpheWssAddr: first, msg: { n: 1 } });
    b.sendJson({ type: 'ROUTE', EpheWssAddr: second, msg: { n: 2 } });
    expect(await a.json()).toEqual({ type: 'DELIVER', msg: { n: 1 } });
    expect(await a.json()).toEqual({ type: 'DELIVER', msg: { n: 2 } });
    // The socket keeps the wire id it got at connect; the console sees its addresses as its metadata.
    const peer = session.relay.hub.peers('compendium').next().value!;
    expect(peer.meta).toEqual({ addresses: [first, second] });
    expect(peer.id).toMatch(/^socket-[0-9a-f]{8}$/);
  });
});

describe('compendium ROUTE', () => {
  it('delivers exactly {type, msg} and tells the sender nothing; the sender need not INIT', async () => {
    const [target, address] = await initialised();
    const sender = await open();
    const msg = { adr_pc: 'abc', text: 'héllo', nested: [1, { x: null }] };
    sender.sendJson({ type: 'ROUTE', EpheWssAddr: address, msg, extra: 'not forwarded' });
    const frame = await target.json();
    expect(Object.keys(frame)).toEqual(['type', 'msg']);
    expect(frame).toEqual({ type: 'DELIVER', msg });
    expect(await sender.drain()).toEqual([]);
  });

  it('passes any JSON value as msg, a string included', async () => {
    const [target, address] = await initialised();
    target.sendJson({ type: 'ROUTE', EpheWssAddr: address, msg: 'just a string' });
    expect(await target.json()).toEqual({ type: 'DELIVER', msg: 'just a string' });
  });

  it('routes to the sender itself', async () => {
    const [c, address] = await initialised();
    c.sendJson({ type: 'ROUTE', EpheWssAddr: address, msg: { self: true } });
    expect(await c.json()).toEqual({ type: 'DELIVER', msg: { self: true } });
  });

  it('answers ERR 404 with its exact fields for an unknown address, and the sender stays', async () => {
    const c = await open();
    c.sendJson({ type: 'ROUTE', EpheWssAddr: '0'.repeat(32), msg: {} });
    const err = await c.json();
    expect(Object.keys(err)).toEqual(['type', 'errCode', 'errMsg']);
    expect(err).toEqual(NOT_FOUND);
    c.sendJson({ type: 'ROUTE', EpheWssAddr: 42, msg: {} });
    expect(await c.json()).toEqual(NOT_FOUND);
    c.sendJson({ type: 'INIT' });
    expect((await c.json()).type).toBe('INITRESP');
  });

  it('delivers only to the addressed socket', async () => {
    const [a, address] = await initialised();
    const [b] = await initialised();
    const sender = await open();
    sender.sendJson({ type: 'ROUTE', EpheWssAddr: address, msg: { to: 'a' } });
    expect(await a.json()).toEqual({ type: 'DELIVER', msg: { to: 'a' } });
    expect(await b.drain()).toEqual([]);
  });
});

describe('compendium addresses leave with their socket (D3)', () => {
  it.each([
    ['a clean close', (c: Client) => void c.close(1000)],
    ['a close with no code', (c: Client) => c.ws.close()],
    ['an abnormal close', (c: Client) => c.ws.terminate()],
  ])('after %s, every address of the socket answers ERR 404 and the sender stays open', async (_, end) => {
    const [target, first] = await initialised();
    target.sendJson({ type: 'INIT' });
    const second = (await target.json<{ EpheWssAddr: string }>()).EpheWssAddr;
    end(target);
    await target.closed;
    const sender = await open();
    // The relay learns of the close on its own socket a moment after the client: poll, bounded.
    for (let i = 0; i < 50 && session.relay.hub.size > 1; i++) await new Promise((r) => setTimeout(r, 20));
    sender.sendJson({ type: 'ROUTE', EpheWssAddr: first, msg: {} });
    sender.sendJson({ type: 'ROUTE', EpheWssAddr: second, msg: {} });
    expect(await sender.json()).toEqual(NOT_FOUND);
    expect(await sender.json()).toEqual(NOT_FOUND);
    expect(sender.ws.readyState).toBe(sender.ws.OPEN);
  });

  it('keeps a bounded number of addresses per socket: past it the oldest stops being routable', async () => {
    await session.restart({ compendiumMaxAddresses: 2 });
    const [a, first] = await initialised();
    a.sendJson({ type: 'INIT' });
    a.sendJson({ type: 'INIT' });
    const second = (await a.json<{ EpheWssAddr: string }>()).EpheWssAddr;
    const third = (await a.json<{ EpheWssAddr: string }>()).EpheWssAddr;
    for (const address of [first, second, third]) a.sendJson({ type: 'ROUTE', EpheWssAddr: address, msg: address });
    expect(await a.json()).toEqual(NOT_FOUND);
    expect(await a.json()).toEqual({ type: 'DELIVER', msg: second });
    expect(await a.json()).toEqual({ type: 'DELIVER', msg: third });
  });
});

describe('compendium bad input', () => {
  it.each([
    ['invalid JSON', '{"type": "INIT"', /invalid JSON/],
    ['a non-object', '["INIT"]', /must be a JSON object/],
    ['a missing type', '{"EpheWssAddr": "x"}', /missing message field: type/],
    ['an unknown type', '{"type": "FOO"}', /unknown message type "FOO"/],
    ['a type that is not a string', '{"type": 1}', /unknown message type 1/],
    ['ROUTE without msg', '{"type": "ROUTE", "EpheWssAddr": "x"}', /missing message field: msg/],
    ['ROUTE without an address', '{"type": "ROUTE", "msg": {}}', /missing message field: EpheWssAddr/],
    ['INITRESP without an address', '{"type": "INITRESP"}', /missing message field: EpheWssAddr/],
    ['an address that is a list', '{"type": "ROUTE", "EpheWssAddr": ["x"], "msg": {}}', /EpheWssAddr must be a string/],
  ])('%s closes that socket only with 1011 and a reason', async (_, frame, reason) => {
    const [bystander, address] = await initialised();
    const c = await open();
    c.send(frame);
    const closed = await c.closed;
    expect(closed.code).toBe(1011);
    expect(closed.reason).toMatch(reason);
    const other = await open();
    other.sendJson({ type: 'ROUTE', EpheWssAddr: address, msg: 'still here' });
    expect(await bystander.json()).toEqual({ type: 'DELIVER', msg: 'still here' });
  });

  it('ignores a well-formed INITRESP, DELIVER or ERR from a client', async () => {
    const c = await open();
    c.sendJson({ type: 'INITRESP', EpheWssAddr: 'x' });
    c.sendJson({ type: 'DELIVER', msg: {} });
    c.sendJson({ type: 'ERR', errCode: 1, errMsg: 'x' });
    c.sendJson({ type: 'INIT' });
    expect((await c.json()).type).toBe('INITRESP');
    expect(await c.drain()).toEqual([]);
  });

  it('parses binary frames like text', async () => {
    const [target, address] = await initialised();
    const c = await open();
    c.send(Buffer.from(JSON.stringify({ type: 'INIT' })), true);
    expect((await c.json()).type).toBe('INITRESP');
    c.send(Buffer.from(JSON.stringify({ type: 'ROUTE', EpheWssAddr: address, msg: { bin: true } })), true);
    expect(await target.json()).toEqual({ type: 'DELIVER', msg: { bin: true } });
    c.send(Buffer.from('not json'), true);
    expect((await c.closed).code).toBe(1011);
  });

  it('accepts a message of exactly 1 MiB and closes a larger one with 1009', async () => {
    const [target, address] = await initialised();
    const c = await open();
    const shell = JSON.stringify({ type: 'ROUTE', EpheWssAddr: address, msg: '' });
    const exact = shell.replace('"msg":""', `"msg":"${'x'.repeat(1024 * 1024 - shell.length)}"`);
    expect(Buffer.byteLength(exact)).toBe(1024 * 1024);
    c.send(exact);
    const delivered = await target.json<{ msg: string }>(5000);
    expect(delivered.msg.length).toBe(1024 * 1024 - shell.length);
    c.send(exact + ' ');
    const closed = await c.closed;
    expect(closed.code).toBe(1009);
    expect(closed.reason).toMatch(/too big/);
  });
});

describe('compendium keepalive', () => {
  it('pings a silent peer after 20 s and closes it with 1011 20 s later', async () => {
    const c = await open();
    const pinged = new Promise<void>((resolve) => c.ws.once('ping', () => resolve()));
    session.relay.core.keepalive.sweep(Date.now() + 20_500);
    await pinged;
    session.relay.core.keepalive.sweep(Date.now() + 40_500);
    expect(await c.closed).toEqual({ code: 1011, reason: 'keepalive ping timeout' });
  });
});

describe('compendium operator messages (E4)', () => {
  it('sends a plain DELIVER to one peer, or to everyone with an address', async () => {
    const dialect = session.relay.dialects.get('compendium')!;
    const [a] = await initialised();
    const [b] = await initialised();
    const bare = await open();
    const aKey = [...session.relay.hub.peers('compendium')][0]!.key;
    expect(dialect.inject({ kind: 'peer', peer: aKey }, '{"text": "hi a"}')).toBe(1);
    expect(await a.json()).toEqual({ type: 'DELIVER', msg: { text: 'hi a' } });
    expect(dialect.inject({ kind: 'everyone' }, '{"text": "hi all"}')).toBe(2);
    expect(await a.json()).toEqual({ type: 'DELIVER', msg: { text: 'hi all' } });
    expect(await b.json()).toEqual({ type: 'DELIVER', msg: { text: 'hi all' } });
    expect(await bare.drain()).toEqual([]);
    expect(() => dialect.inject({ kind: 'room', room: 'x' }, '{}')).toThrow(InjectError);
    expect(() => dialect.inject({ kind: 'everyone' }, 'not json')).toThrow(InjectError);
    const operator = session.relay.tap.read(0).records.filter((r) => r.kind === 'operator');
    expect(operator.map((r) => r.recipients)).toEqual([1, 2]);
  });
});

describe('compendium on a pinned listener', () => {
  it('serves a client that sends no path, as the Android app does on port 8001', async () => {
    const port = await freePort();
    await session.restart({ listeners: [`compendium:${port}`] });
    const c = await session.open(`ws://127.0.0.1:${port}/`);
    c.sendJson({ type: 'INIT' });
    expect((await c.json()).type).toBe('INITRESP');
    expect([...session.relay.hub.peers('compendium')].length).toBe(1);
  });
});

const PYTHON_CLIENT = `
import asyncio, json, sys
import websockets

async def main(url):
    async with websockets.connect(url) as pc, websockets.connect(url) as cd:
        await pc.send(json.dumps({"type": "INIT"}))
        adr_pc = json.loads(await pc.recv())["EpheWssAddr"]
        await cd.send(json.dumps({"type": "INIT"}))
        adr_cd = json.loads(await cd.recv())["EpheWssAddr"]
        await pc.send(json.dumps({"type": "ROUTE", "EpheWssAddr": adr_cd, "msg": {"adr_pc": adr_pc, "text": "h\\u00e9llo"}}))
        delivered = json.loads(await cd.recv())
        await cd.send(json.dumps({"type": "ROUTE", "EpheWssAddr": "f" * 32, "msg": {}}))
        err = json.loads(await cd.recv())
        print(json.dumps({"adr_pc": adr_pc, "delivered": delivered, "err": err}))

asyncio.run(asyncio.wait_for(main(sys.argv[1]), 10))
`;

describe('compendium with the Python websockets client', () => {
  it('INITs, routes and gets ERR 404 like against the original', async () => {
    const out = await new Promise<string>((resolve, reject) =>
      execFile('/usr/bin/python3', ['-c', PYTHON_CLIENT, `${session.url}/compendium`], { timeout: 15_000 }, (err, stdout, stderr) =>
        err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout),
      ),
    );
    const result = JSON.parse(out) as { adr_pc: string; delivered: unknown; err: unknown };
    expect(result.adr_pc).toMatch(HEX32);
    expect(result.delivered).toEqual({ type: 'DELIVER', msg: { adr_pc: result.adr_pc, text: 'héllo' } });
    expect(result.err).toEqual(NOT_FOUND);
    for (let i = 0; i < 50 && session.relay.hub.size > 0; i++) await new Promise((r) => setTimeout(r, 20));
    const closes = session.relay.tap.read(0).records.filter((r) => r.kind === 'close');
    expect(closes.map((r) => r.code)).toEqual([1000, 1000]);
  });
});
