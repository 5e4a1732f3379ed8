import { describe, expect, it } from 'vitest';
import { Delivery } from '../../relay/core/delivery.js';
import { Hub } from '../../relay/core/hub.js';
import { EventLog } from '../../relay/core/log.js';
import { Observers, type DropEvent, type InboundEvent } from '../../relay/core/observe.js';
import { MemoryTransport } from '../helpers/memory-transport.js';

function setup(limits: ConstructorParameters<typeof Delivery>[1]) {
  const observers = new Observers();
  const drops: DropEvent[] = [];
  const inbound: InboundEvent[] = [];
  observers.add({ dropped: (e) => drops.push(e), inbound: (e) => inbound.push(e) });
  const hub = new Hub(observers, new EventLog());
  const delivery = new Delivery(hub, limits);
  const transport = new MemoryTransport();
  const peer = hub.connect({ protocol: 'msg-relay', id: 'a', transport, remote: '127.0.0.1' });
  return { hub, delivery, transport, peer, drops, inbound };
}

describe('delivery', () => {
  it('counts connections, frames and bytes each way, per protocol and per peer', () => {
    const { hub, delivery, transport, peer } = setup({});
    expect(delivery.counters['msg-relay'].connections).toBe(1);
    expect(delivery.received(peer, Buffer.from('hello'))).toBe(true);
    expect(delivery.deliver(peer, Buffer.from('hi'))).toBe(true);
    expect(transport.read()).toEqual(['hi']);
    expect(delivery.counters['msg-relay']).toEqual({ connections: 1, msgsIn: 1, bytesIn: 5, msgsOut: 1, bytesOut: 2, drops: 0 });
    expect([peer.msgsIn, peer.bytesIn, peer.msgsOut, peer.bytesOut]).toEqual([1, 5, 1, 2]);
    hub.gone(peer, 1000, '');
    expect(delivery.counters['msg-relay'].connections).toBe(0);
    expect(delivery.deliver(peer, Buffer.from('late'))).toBe(false);
    expect(transport.read()).toEqual([]);
  });

  it('takes one frame larger than the bound into an empty queue, and closes a reader that falls behind with 1013', () => {
    const { delivery, transport, peer, drops } = setup({ maxQueueBytes: 4 });
    expect(delivery.deliver(peer, Buffer.from('0123456789'))).toBe(true);
    expect(delivery.deliver(peer, Buffer.from('x'))).toBe(false);
    expect(drops).toEqual([{ peer, frame: Buffer.from('x'), code: 1013, reason: 'send queue full' }]);
    expect(transport.closedWith).toEqual({ code: 1013, reason: 'send queue over 4 bytes: the client is not reading fast enough' });
    expect(delivery.counters['msg-relay'].drops).toBe(1);
    expect(peer.drops).toBe(1);
    expect(transport.read()).toEqual(['0123456789']);
  });

  it('keeps delivering to a reader that keeps up', () => {
    const { delivery, transport, peer, drops } = setup({ maxQueueBytes: 4 });
    for (let i = 0; i < 100; i++) {
      expect(delivery.deliver(peer, Buffer.from('abc'))).toBe(true);
      transport.read();
    }
    expect(drops).toEqual([]);
  });

  it('refuses a frame over the rate limit: the observers hear why, and the peer is closed with 1008', () => {
    const { delivery, transport, peer, inbound } = setup({ ratePerSecond: 1, rateBurst: 2 });
    expect(delivery.received(peer, Buffer.from('1'))).toBe(true);
    expect(delivery.received(peer, Buffer.from('2'))).toBe(true);
    expect(delivery.received(peer, Buffer.from('3'))).toBe(false);
    const reason = 'rate limit: over 1 messages a second (burst 2)';
    expect(inbound).toEqual([{ peer, frame: Buffer.from('3'), to: null, refused: { code: 1008, reason } }]);
    expect(transport.closedWith).toEqual({ code: 1008, reason });
  });
});
