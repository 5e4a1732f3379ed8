import { describe, expect, it } from 'vitest';
import type { Bus, OutFrame, Target } from '../../relay/core/bus.js';
import { createCore } from '../../relay/core/core.js';
import { InProcessBus } from '../../relay/core/local-bus.js';
import { EventLog } from '../../relay/core/log.js';
import type { InboundEvent, SentEvent } from '../../relay/core/observe.js';
import type { Peer, PeerMeta } from '../../relay/core/peer.js';
import { MemoryTransport } from '../helpers/memory-transport.js';

function setup(options: Parameters<typeof createCore>[1] = {}) {
  const core = createCore(new EventLog(), options);
  const sent: SentEvent[] = [];
  const inbound: InboundEvent[] = [];
  core.observers.add({ sent: (e) => sent.push(e), inbound: (e) => inbound.push(e) });
  const connect = (id: string, room?: string, meta?: PeerMeta): Peer => {
    const p = core.hub.connect({ protocol: 'msg-relay', id, transport: new MemoryTransport(), remote: '127.0.0.1', meta });
    if (room) core.hub.join(p, room);
    return p;
  };
  const read = (p: Peer): string[] => (p.transport as MemoryTransport).read();
  return { core, sent, inbound, connect, read };
}

describe('routing', () => {
  it('reaches an id only inside the room named, never the same id in another room', () => {
    const { core, connect, read } = setup();
    const a = connect('a', 'g');
    const b = connect('b', 'g');
    const bElsewhere = connect('b', 'h');
    expect(core.routing.route({ from: a, to: { protocol: 'msg-relay', room: 'g', id: 'b' }, frame: 'hi' })).toBe(1);
    expect(core.routing.route({ from: a, to: { protocol: 'msg-relay', room: 'g', id: 'nobody' }, frame: 'hi' })).toBe(0);
    expect(read(b)).toEqual(['hi']);
    expect(read(bElsewhere)).toEqual([]);
  });

  it('tells the observers of a fan-out once, with every recipient in join order and the one encoded frame', () => {
    const { core, sent, connect, read } = setup();
    const a = connect('a', 'g', 'x');
    const b = connect('b', 'g', 'y');
    const c = connect('c', 'g', 'x');
    const n = core.routing.route({ from: a, to: { protocol: 'msg-relay', room: 'g', except: a, filter: (p) => p.meta === 'x' || p.id === 'b' }, frame: 'out', inbound: 'in' });
    expect(n).toBe(2);
    expect(sent).toHaveLength(1);
    const e = sent[0]!;
    expect(e).toMatchObject({ origin: a, protocol: 'msg-relay', room: 'g', to: null, inbound: 'in' });
    expect(e.recipients).toEqual([b, c]);
    expect(Buffer.isBuffer(e.frame) && e.frame.toString()).toBe('out');
    expect([read(a), read(b), read(c)]).toEqual([[], ['out'], ['out']]);
  });

  it('keeps each recipient its own frame when the frame names it', () => {
    const { core, sent, connect } = setup();
    connect('a', 'g');
    connect('b', 'g');
    core.routing.route({ from: 'relay', to: { protocol: 'msg-relay', room: 'g' }, frame: (r) => `to ${r.id}` });
    const frames = sent[0]!.frame as Buffer[];
    expect(sent[0]!.recipients.map((r) => r.id)).toEqual(['a', 'b']);
    expect(frames.map(String)).toEqual(['to a', 'to b']);
  });

  it("sends the relay's own replies through the same path, and a notice to nobody is not traffic", () => {
    const { core, sent, connect, read } = setup();
    const a = connect('a', 'g');
    expect(core.routing.reply(a, 'pong')).toBe(true);
    expect(read(a)).toEqual(['pong']);
    expect(sent).toMatchObject([{ origin: 'relay', to: 'a', recipients: [a] }]);
    expect(core.routing.route({ from: 'relay', to: { protocol: 'msg-relay', room: 'empty' }, frame: 'x' })).toBe(0);
    expect(core.routing.route({ from: 'operator', to: { protocol: 'msg-relay', room: 'empty' }, frame: 'x' })).toBe(0);
    expect(sent.map((e) => e.origin)).toEqual(['relay', 'operator']);
  });

  it('notes a frame the relay answered, and refuses one it will not take with the code and reason', () => {
    const { core, inbound, connect } = setup();
    const a = connect('a', 'g');
    core.routing.note(a, '{"command":"x"}');
    core.routing.refuse(a, 'junk', 1008, 'messages must be in JSON format');
    expect(inbound).toEqual([
      { peer: a, frame: '{"command":"x"}', to: 'relay' },
      { peer: a, frame: 'junk', to: null, refused: { code: 1008, reason: 'messages must be in JSON format' } },
    ]);
    expect((a.transport as MemoryTransport).closedWith).toEqual({ code: 1008, reason: 'messages must be in JSON format' });
  });

  it('finds a peer by its key or a claimed name, and lets the name go with release', () => {
    const { core, connect, read } = setup();
    const a = connect('a');
    core.bus.claim(a, 'addr');
    expect(core.bus.named('msg-relay', 'addr')).toBe(a);
    expect(core.routing.route({ from: 'relay', to: { protocol: 'msg-relay', key: a.key }, frame: 'k' })).toBe(1);
    expect(core.routing.route({ from: 'relay', to: { protocol: 'spacewar', key: a.key }, frame: 'k' })).toBe(0);
    core.bus.release(a, 'addr');
    expect(core.bus.named('msg-relay', 'addr')).toBeUndefined();
    expect(read(a)).toEqual(['k']);
  });

  it('numbers a room from 1 and starts again once it is empty, even when the first peer never got in', () => {
    const { core, connect } = setup();
    const bus = core.bus;
    expect(bus.number('msg-relay', 'r')).toBe(1);
    const one = connect('1', 'r');
    expect(bus.number('msg-relay', 'r')).toBe(2);
    const two = connect('2', 'r');
    core.hub.close(one, 1000, '');
    expect(bus.number('msg-relay', 'r')).toBe(3);
    core.hub.close(two, 1000, '');
    expect(bus.number('msg-relay', 'r')).toBe(1);
    expect(bus.number('msg-relay', 'r')).toBe(1);
    const stranded = connect('1');
    core.hub.close(stranded, 1013, 'room limit');
    expect(bus.number('msg-relay', 'r')).toBe(1);
  });

  it('hands every frame to the bus it is given, which is always in the path', () => {
    const seen: Target[] = [];
    const core = createCore(new EventLog(), {
      bus: (hub, delivery) => {
        const local = new InProcessBus(hub, delivery);
        const spy: Bus = Object.assign(Object.create(local) as Bus, {
          send(to: Target, frame: OutFrame) {
            seen.push(to);
            return local.send(to, frame);
          },
        });
        return spy;
      },
    });
    const a = core.hub.connect({ protocol: 'msg-relay', id: 'a', transport: new MemoryTransport(), remote: '127.0.0.1' });
    core.routing.reply(a, 'one');
    core.routing.route({ from: 'operator', to: { protocol: 'msg-relay', everyone: true }, frame: 'two' });
    expect(seen).toEqual([{ peer: a }, { protocol: 'msg-relay', everyone: true }]);
    expect((a.transport as MemoryTransport).read()).toEqual(['one', 'two']);
  });
});
