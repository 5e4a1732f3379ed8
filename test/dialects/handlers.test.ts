import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../relay/config/load.js';
import type { ProtocolName } from '../../relay/config/schema.js';
import { secretsOf } from '../../relay/config/secrets.js';
import { createCore } from '../../relay/core/core.js';
import { EventLog } from '../../relay/core/log.js';
import type { Peer } from '../../relay/core/peer.js';
import { createDialects } from '../../relay/dialects/index.js';
import { connectionPlace } from '../../relay/http/connection.js';
import type { Arrival, Reception, Welcome } from '../../relay/dialects/types.js';
import { MemoryTransport } from '../helpers/memory-transport.js';

/**
 * A dialect on its own, without a server or a socket: given an arrival it says who the peer
 * is, and its open, frame and departure handlers run on an in-memory transport.
 */
function dialectOf(protocol: ProtocolName) {
  const core = createCore(new EventLog());
  const config = loadConfig({ overrides: {} });
  const dialect = createDialects({ ...core, config, secrets: secretsOf(config), connections: connectionPlace(core) }).get(protocol)!;
  const arrive = (target: string, headers: Record<string, string> = {}): { peer: Peer; frame: (text: string) => void; read: () => string[] } => {
    const url = new URL(target, 'http://relay');
    const arrival: Arrival = {
      url,
      target,
      headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
      remote: '127.0.0.1',
      handshake: { path: url.pathname, query: url.search.slice(1), headers },
    };
    const r = dialect.receive(arrival) as Reception;
    const w = r as Welcome;
    const transport = new MemoryTransport();
    const peer = core.hub.connect({ protocol, id: w.id, transport, remote: arrival.remote, meta: w.meta }, w.gone);
    const onFrame = w.open(peer);
    return { peer, frame: (text) => void onFrame(Buffer.from(text), false), read: () => transport.read() };
  };
  return { core, dialect, arrive };
}

describe('dialect handlers, on their own', () => {
  it('msg-relay: a peer is greeted with its id, lists its group and is announced leaving', () => {
    const { core, arrive } = dialectOf('msg-relay');
    const a = arrive('/msg-relay', { 'x-peer-group': 'G', 'x-peer-meta': 'Alice' });
    expect(a.peer.meta).toBe('alice');
    expect([...a.peer.rooms]).toEqual(['g']);
    expect(a.read().map((f) => JSON.parse(f) as unknown)).toEqual([{ from: 'host', to: a.peer.id, connection_id: a.peer.id, message_type: 'connection_id' }]);
    const b = arrive('/msg-relay?group=g&meta=bob');
    expect(JSON.parse(a.read()[0]!)).toMatchObject({ message_type: 'peer_connect', peer: { connection_id: b.peer.id, peer_meta: 'bob' } });
    a.frame('{"to": "host", "command": "list_peers", "meta_filter": "b*"}');
    expect(JSON.parse(a.read()[0]!)).toMatchObject({ message_type: 'peer_list', peer_list: [{ connection_id: b.peer.id, peer_meta: 'bob' }] });
    core.hub.gone(b.peer, 1000, '');
    expect(JSON.parse(a.read()[0]!)).toMatchObject({ message_type: 'peer_disconnect', peer: { connection_id: b.peer.id } });
  });

  it('spacewar: ids count from 1 in a room, and the room hears who joins and quits', () => {
    const { core, arrive } = dialectOf('spacewar');
    const one = arrive('/ws-relay/x');
    const two = arrive('/ws-relay/x');
    expect(one.read()).toEqual(['1 self', '2 join']);
    expect(two.read()).toEqual(['2 self', '1 join']);
    two.frame('1 hello');
    expect(one.read()).toEqual(['2 hello']);
    core.hub.gone(two.peer, 1000, '');
    expect(one.read()).toEqual(['2 quit']);
  });
});
