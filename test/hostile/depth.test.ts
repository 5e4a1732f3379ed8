import { describe, expect, it } from 'vitest';
import { Client } from '../helpers/client.js';
import { assertAlive, whileAlive } from '../helpers/liveness.js';
import type { Running } from '../helpers/relay.js';
import { perTest } from '../helpers/session-scope.js';

/** A JSON text of arrays nested `levels` deep around `inner`. */
const nested = (levels: number, inner = ''): string => '['.repeat(levels) + inner + ']'.repeat(levels);

const scope = perTest();
const open = scope.open;

/** The next socket frame that is not a `[]` heartbeat, as its raw text. */
async function nextEvent(c: Client, ms = 3000): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const frame = await c.next(ms);
    if (frame !== '[]') return frame;
  }
  throw new Error('only heartbeats');
}


async function msgRelayPair(r: Running): Promise<{ a: Client; b: Client; bId: string }> {
  const a = await open(`${r.url}/msg-relay`, { 'x-peer-group': 'deep' });
  await a.next();
  const b = await open(`${r.url}/msg-relay`, { 'x-peer-group': 'deep' });
  const bId = (await b.json()).connection_id as string;
  await a.next();
  return { a, b, bId };
}

describe('nesting depth, capped where the original\'s parser stopped', () => {
  it('msg-relay (Python json): 980 levels pass, one more closes the sender with 1008 and the reason', async () => {
    const relay = await scope.relay();
    const { a, b, bId } = await msgRelayPair(relay);
    // The message object is the first level; "from" makes the relay serialize it again.
    a.send(`{"to":"${bId}","from":"x","v":${nested(979)}}`);
    expect(JSON.stringify((await b.json()).v)).toBe(nested(979));
    a.send(`{"to":"${bId}","from":"x","v":${nested(980)}}`);
    expect(await a.closed).toEqual({ code: 1008, reason: 'messages must be in JSON format: nested deeper than 980 levels' });
    expect(await b.json()).toMatchObject({ message_type: 'peer_disconnect' });
    await assertAlive(relay);
  });

  it('msg-relay: 200,000 levels are refused as clearly, and nobody else is touched', async () => {
    const r = await scope.relay();
    const { a, b, bId } = await msgRelayPair(r);
    await whileAlive(r, async () => {
      a.send(`{"to":"${bId}","from":"x","v":${nested(200_000)}}`);
      expect(await a.closed).toEqual({ code: 1008, reason: 'messages must be in JSON format: nested deeper than 980 levels' });
    });
    expect(r.relay.log.recent().filter((e) => e.level === 'error')).toEqual([]);
    b.send('ping');
    expect(await b.next(3000)).toContain('peer_disconnect');
    expect(await b.next()).toBe('pong');
  });

  it('compendium (Python json): 980 levels are delivered, one more closes with 1011 and the reason', async () => {
    const relay = await scope.relay();
    const a = await open(`${relay.url}/compendium`);
    a.sendJson({ type: 'INIT' });
    const address = (await a.json()).EpheWssAddr as string;
    const b = await open(`${relay.url}/compendium`);
    b.send(`{"type":"ROUTE","EpheWssAddr":"${address}","msg":${nested(979)}}`);
    expect(JSON.stringify((await a.json()).msg)).toBe(nested(979));
    b.send(`{"type":"ROUTE","EpheWssAddr":"${address}","msg":${nested(50_000)}}`);
    expect(await b.closed).toEqual({ code: 1011, reason: 'invalid JSON: nested deeper than 980 levels' });
    await assertAlive(relay);
  });

  it('intercessor (serde_json): 127 levels are relayed, 128 close with 1008 and the reason', async () => {
    const relay = await scope.relay();
    const server = await open(`${relay.url}/server`);
    const sid = ((await server.json()).message as { id: string }).id;
    const client = await open(`${relay.url}/client/${sid}`);
    const cid = ((await client.json()).message as { id: string }).id;
    await server.next();
    client.send(`{"from":"${cid}","to":"${sid}","type":"x","message":${nested(126)}}`);
    expect(JSON.stringify((await server.json()).message)).toBe(nested(126));
    client.send(`{"from":"${cid}","to":"${sid}","type":"x","message":${nested(127)}}`);
    expect(await client.closed).toEqual({ code: 1008, reason: 'invalid JSON: nested deeper than 127 levels' });
    await assertAlive(relay);
  });

  it('channelstream (Python json): a REST body deeper than 980 levels gets 400 and changes nothing', async () => {
    const cs = await scope.channelstream();
    const c = await cs.connect('u', ['room']);
    const listener = await cs.socket(c.conn_id);
    const deep = `[{"channel":"room","user":"u","message":{"v":${nested(980)}}}]`;
    const refused = await cs.call('/message', { body: deep });
    expect(refused.status).toBe(400);
    expect(refused.json).toEqual({ request: 'the body is not valid JSON: nested deeper than 980 levels' });
    expect(await listener.quiet(200)).toEqual([]);
    const fits = await cs.call('/message', { body: `[{"channel":"room","user":"u","message":{"v":${nested(970)}}}]` });
    expect(fits.status).toBe(200);
    expect(JSON.stringify((await listener.event()).message)).toBe(`{"v":${nested(970)}}`);
    await listener.close();
    await assertAlive(cs.running);
  });

  it('channelstream: a deep message whose indented form would be hundreds of megabytes is sent compact', async () => {
    const cs = await scope.channelstream();
    const c = await cs.connect('u', ['room']);
    const listener = await cs.socket(c.conn_id);
    // 900 levels around 50,000 numbers: indented with 4 spaces a level, about 180 MB.
    const value = nested(900, Array(50_000).fill(1).join(','));
    const body = `[{"channel":"room","user":"u","message":{"v":${value}}}]`;
    const frame = await whileAlive(cs.running, async () => {
      const posted = await cs.call('/message', { body });
      expect(posted.status).toBe(200);
      expect(posted.text.length).toBeLessThan(2 * body.length);
      return nextEvent(listener.client, 10_000);
    });
    expect(frame.length).toBeLessThan(2 * body.length);
    expect(JSON.stringify((JSON.parse(frame) as { message: { v: unknown } }[])[0]!.message.v)).toBe(value);
    // Small events keep the original's indent of 4.
    await cs.post([{ channel: 'room', user: 'u', message: { text: 'hi' } }]);
    expect(await nextEvent(listener.client)).toContain('\n    {\n        "');
    await listener.close();
  });
});
