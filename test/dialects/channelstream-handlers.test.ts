import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { createCore } from '../../relay/core/core.js';
import { EventLog } from '../../relay/core/log.js';
import type { InboundEvent } from '../../relay/core/observe.js';
import type { Peer } from '../../relay/core/peer.js';
import { Engine } from '../../relay/dialects/channelstream/engine.js';
import { defaultChannelConfig } from '../../relay/dialects/channelstream/schemas.js';
import { socketAttached, socketFrame } from '../../relay/dialects/channelstream/socket.js';
import type { Connection } from '../../relay/dialects/channelstream/state.js';
import { newUuid } from '../../relay/dialects/channelstream/wire.js';
import type { Connections, PeerLink, Standing } from '../../relay/dialects/types.js';
import { MemoryTransport } from '../helpers/memory-transport.js';

/** A link in memory, attached or not as the test says: what the connection place would hand the dialect. */
class MemoryLink extends MemoryTransport implements PeerLink {
  attached = false;
  heardAt = 0;
  peer!: Peer;

  get socket(): MemoryTransport {
    return this;
  }

  override send(frame: Buffer): void {
    if (this.attached) super.send(frame);
  }
}

/**
 * channelstream's engine and socket handlers on their own: no server, no socket. The connection
 * place is an in-memory stand-in for the Connections the dialect is typed against.
 */
function setup() {
  const core = createCore(new EventLog());
  const inbound: InboundEvent[] = [];
  core.observers.add({ inbound: (e) => inbound.push(e) });
  const connections: Connections = {
    standing(_req: IncomingMessage, s: Standing): MemoryLink {
      const link = new MemoryLink();
      link.peer = core.hub.connect({ protocol: s.protocol, id: s.id, transport: link, remote: '127.0.0.1', meta: s.meta }, s.gone);
      return link;
    },
    poll: () => {
      throw new Error('no long polls here');
    },
  };
  const engine = new Engine({ ...core, connections }, { listenWaitMs: 0, listenGatherMs: 0 });
  const connect = (username: string, channels: string[]): { conn: Connection; link: MemoryLink } => {
    const b = { username, conn_id: newUuid(), channels, state_public_keys: [], fresh_user_state: {}, user_state: {}, channel_configs: { room: { ...defaultChannelConfig(), notify_presence: true } } };
    const conn = engine.connect(b, {} as IncomingMessage);
    return { conn, link: conn.link as MemoryLink };
  };
  const events = (link: MemoryLink): Record<string, unknown>[] => link.read().flatMap((f) => JSON.parse(f) as Record<string, unknown>[]);
  const say = (text: string) => engine.publish({ channel: 'room', pm_users: [], exclude_users: [], no_history: false, uuid: newUuid(), timestamp: 'now', user: 'backend', message: { text } }, 'relay');
  return { core, engine, inbound, connect, events, say };
}

describe("channelstream's handlers, on their own", () => {
  it('socketAttached catches the client up on what it missed while nothing was attached, marked catchup', () => {
    const { core, engine, connect, events, say } = setup();
    const { conn, link } = connect('alice', ['room']);
    expect(say('missed')).toBe(0);
    link.attached = true;
    socketAttached(engine, core, conn);
    expect(events(link)).toMatchObject([{ type: 'message', message: { text: 'missed' }, catchup: true }]);
    expect(say('live')).toBe(1);
    expect(events(link)).toMatchObject([{ type: 'message', message: { text: 'live' }, catchup: false }]);
  });

  it("socketFrame notes the client's frame for the console and counts it as activity, sending nothing", () => {
    const { core, engine, inbound, connect, events } = setup();
    const { conn, link } = connect('alice', ['room']);
    link.attached = true;
    const frame = socketFrame(engine, core, conn);
    conn.lastActive = 0;
    void frame(Buffer.from('"ping"'), false);
    expect(inbound.map((e) => [e.peer, String(e.frame), e.to])).toEqual([[conn.peer, '"ping"', null]]);
    expect(conn.lastActive).toBeGreaterThan(0);
    expect(events(link)).toEqual([]);
  });

  it("forget, the departure handler, runs once the hub lets the connection go: the channel hears the user parted", () => {
    const { core, engine, connect, events } = setup();
    const alice = connect('alice', ['room']);
    const bob = connect('bob', ['room']);
    bob.link.attached = true;
    expect(events(bob.link)).toEqual([]);
    core.hub.gone(alice.conn.peer, 1000, '');
    expect(engine.connections.has(alice.conn.id)).toBe(false);
    expect(engine.users.get('alice')!.connections.size).toBe(0);
    expect(events(bob.link)).toMatchObject([{ type: 'presence', user: 'alice', channel: 'room', message: { action: 'parted' } }]);
  });
});
