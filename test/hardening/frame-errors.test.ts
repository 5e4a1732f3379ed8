import { afterEach, describe, expect, it } from 'vitest';
import { OP, RawSocket, frame } from '../fuzz/frames.js';
import { sign } from '../../relay/dialects/channelstream/signer.js';
import { startRelay, type Running } from '../helpers/relay.js';

let relay: Running;
afterEach(() => relay.stop());

describe('a frame the WebSocket layer refuses', () => {
  it.each([
    ['invalid UTF-8', frame(OP.text, Buffer.from([0xff, 0xfe])), 1007, 'a text frame was not valid UTF-8'],
    ['reserved bits', frame(OP.text, 'x', { rsv: 4 }), 1002, 'WebSocket protocol error in a frame'],
    ['an announced length over the limit', frame(OP.text, Buffer.alloc(0), { announce: 1n << 40n }), 1009, 'message too big: the limit is 409599 bytes'],
  ])('(%s) is closed with a code and reason, and logged as the relay\'s close', async (_what, bad, code, reason) => {
    relay = await startRelay({});
    const raw = await RawSocket.upgrade(relay.port, '/msg-relay?group=g');
    const id = [...relay.relay.hub.peers()][0]!.id;
    raw.write(bad);
    expect(await raw.closed()).toEqual({ code, reason });
    raw.destroy();
    expect(relay.relay.log.recent().find((e) => e.event === 'close' && e.peer === id)).toMatchObject({
      code,
      reason,
      message: `msg-relay ${id} closed by relay: ${code} ${reason}`,
    });
  });
});

describe('a frame the WebSocket layer refuses on channelstream /ws', () => {
  it('is logged as the relay\'s close with its reason, and ends the connection', async () => {
    relay = await startRelay({ channelstreamSecret: 'fuzz' });
    const res = await fetch(`http://127.0.0.1:${relay.port}/connect`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-channelstream-secret': sign('fuzz', 'test') },
      body: JSON.stringify({ username: 'u', channels: ['c'] }),
    });
    const { conn_id: id } = (await res.json()) as { conn_id: string };
    const raw = await RawSocket.upgrade(relay.port, `/ws?conn_id=${id}`);
    raw.write(frame(OP.text, 'x', { rsv: 4 }));
    const reason = 'WebSocket protocol error in a frame';
    expect(await raw.closed()).toEqual({ code: 1002, reason });
    raw.destroy();
    expect(relay.relay.log.recent().find((e) => e.event === 'close' && e.peer === id)).toMatchObject({
      code: 1002,
      reason,
      message: `channelstream ${id} closed by relay: 1002 ${reason}`,
    });
    expect(relay.relay.hub.size).toBe(0);
  });
});
