import { afterEach, describe, expect, it } from 'vitest';
import { OP, RawSocket, frame } from '../fuzz/frames.js';
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
