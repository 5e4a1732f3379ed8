import { describe, expect, it } from 'vitest';
import { Hub, type PresenceListener } from '../../relay/core/hub.js';
import { EventLog } from '../../relay/core/log.js';
import { Observers, type CloseEvent, type OpenEvent } from '../../relay/core/observe.js';
import type { Peer } from '../../relay/core/peer.js';
import { MemoryTransport } from '../helpers/memory-transport.js';

function hub(maxRooms?: number) {
  const observers = new Observers();
  const events: string[] = [];
  const opens: OpenEvent[] = [];
  const closes: CloseEvent[] = [];
  observers.add({ opened: (e) => opens.push(e), closed: (e) => closes.push(e) });
  const h = new Hub(observers, new EventLog(), maxRooms);
  const presence: PresenceListener = {
    joined: (p) => events.push(`joined ${p.id}`),
    entered: (p, r) => events.push(`entered ${p.id} ${r}`),
    exited: (p, r) => events.push(`exited ${p.id} ${r}`),
    described: (p) => events.push(`described ${p.id}`),
    left: (p, code, reason) => events.push(`left ${p.id} ${code} ${reason}`),
  };
  h.onPresence(presence);
  const connect = (id: string, protocol: Peer['protocol'] = 'spacewar', onGone?: (p: Peer) => void) =>
    h.connect({ protocol, id, transport: new MemoryTransport(), remote: '127.0.0.1', handshake: { path: '/r', query: 'a=1', headers: { origin: 'x' } } }, onGone);
  return { h, events, opens, closes, connect };
}

describe('hub registry', () => {
  it('registers a peer, tells the observers with its handshake, and presence that it joined', () => {
    const { h, events, opens, connect } = hub();
    const a = connect('1');
    expect(h.peer(a.key)).toBe(a);
    expect([...h.peers('spacewar')]).toEqual([a]);
    expect([...h.peers('msg-relay')]).toEqual([]);
    expect(h.count('spacewar')).toBe(1);
    expect(opens).toEqual([{ peer: a, handshake: { path: '/r', query: 'a=1', headers: { origin: 'x' } } }]);
    expect(events).toEqual(['joined 1']);
  });

  it('keeps room members in join order, per protocol, and forgets an empty room', () => {
    const { h, events, connect } = hub();
    const a = connect('1');
    const b = connect('2');
    const other = connect('1', 'intercessor');
    h.join(b, 'r');
    h.join(a, 'r');
    h.join(other, 'r');
    expect([...h.members('spacewar', 'r')]).toEqual([b, a]);
    expect(h.member('spacewar', 'r', '1')).toBe(a);
    expect(h.member('intercessor', 'r', '1')).toBe(other);
    expect([...h.allRooms()]).toEqual([
      ['spacewar', 'r', 2],
      ['intercessor', 'r', 1],
    ]);
    h.leave(b, 'r');
    h.leave(b, 'r');
    h.leave(a, 'r');
    expect(h.roomSize('spacewar', 'r')).toBe(0);
    expect([...h.allRooms()]).toEqual([['intercessor', 'r', 1]]);
    expect(events.filter((e) => e.startsWith('entered') || e.startsWith('exited'))).toEqual([
      'entered 2 r',
      'entered 1 r',
      'entered 1 r',
      'exited 2 r',
      'exited 1 r',
    ]);
  });

  it('closes a peer that would open a room over the limit with 1013, and refuses a whole set at once', () => {
    const { h, closes, connect } = hub(1);
    const a = connect('1');
    const b = connect('2');
    expect(h.join(a, 'one')).toBe(true);
    expect(h.join(b, 'one')).toBe(true);
    expect(h.roomsRefused('spacewar', ['one', 'two'])).toBe('room limit reached: 1 of at most 1 rooms are open and this would open 1 more');
    expect(h.join(b, 'two')).toBe(false);
    expect(closes).toEqual([{ peer: b, code: 1013, reason: 'room limit reached: 1 of at most 1 rooms are open and this would open 1 more', by: 'relay' }]);
    expect((b.transport as MemoryTransport).closedWith).toEqual({ code: 1013, reason: 'room limit reached: 1 of at most 1 rooms are open and this would open 1 more' });
    expect(h.join(b, 'one')).toBe(false);
  });

  it('takes a closing peer out of its rooms before its departure runs, once however it closes', () => {
    const { h, events, closes, connect } = hub();
    const seen: number[] = [];
    const a = connect('1', 'spacewar', () => seen.push(h.roomSize('spacewar', 'r')));
    connect('2');
    h.join(a, 'r');
    h.close(a, 4000, 'kicked');
    h.gone(a, 1006, '');
    h.close(a, 1000, 'again');
    expect(seen).toEqual([0]);
    expect(closes).toEqual([{ peer: a, code: 4000, reason: 'kicked', by: 'relay' }]);
    expect(events.slice(-2)).toEqual(['exited 1 r', 'left 1 4000 kicked']);
    expect(h.size).toBe(1);
    expect(h.closesByCode.get(4000)).toBe(1);
  });

  it('says a client closed when it gave no reason', () => {
    const { h, closes, connect } = hub();
    const a = connect('1');
    h.gone(a, 1005, '');
    expect(closes).toEqual([{ peer: a, code: 1005, reason: 'closed by the client', by: 'client' }]);
    expect(a.closing).toBe(true);
  });

  it('changes metadata through describe, so presence hears it', () => {
    const { h, events, connect } = hub();
    const a = connect('1');
    h.describe(a, { addresses: ['x'] });
    expect(a.meta).toEqual({ addresses: ['x'] });
    expect(events).toEqual(['joined 1', 'described 1']);
  });
});
