import type { Config } from '../../config/schema.js';
import type { Core } from '../../core/core.js';
import { PROTOCOL, type Engine } from './engine.js';
import type { Connection } from './state.js';
import { HEARTBEAT } from './wire.js';

const USER_FORGET_MS = 24 * 3600 * 1000;

/**
 * Heartbeats and collection. Every attached socket gets `[]` each heartbeat period, however late
 * it attached (D8); each send keeps its connection alive. Connections idle past the limit are
 * closed with 1000, users without connections are forgotten after a day. Returns the stop function.
 *
 * Each heartbeat also carries a WebSocket ping, which the original did not send: a heartbeat
 * reaches a stalled client's kernel as well as a live one, so without it a client that vanished
 * or stopped mid-frame was held until TCP gave up. Browsers and client libraries answer pings
 * themselves, so clients see no change.
 */
export function startHousekeeping(engine: Engine, core: Pick<Core, 'hub' | 'routing'>, config: Config): () => void {
  const { hub, routing } = core;
  const idleMs = config.channelstreamGcIdleMs;
  const silentMs = config.channelstreamHeartbeatMs + config.channelstreamPongTimeoutMs;
  const heartbeat = setInterval(() => {
    const now = Date.now();
    const beating: Connection[] = [];
    for (const conn of [...engine.connections.values()]) {
      if (!conn.link.socket) continue;
      if (now - conn.link.heardAt > silentMs) hub.close(conn.peer, 1011, `keepalive ping timeout: no pong in ${Math.round(silentMs / 1000)} s`);
      else beating.push(conn);
    }
    // One fan-out, so the console sees one heartbeat record, not one per connection.
    const peers = beating.map((c) => c.peer);
    routing.route({ from: 'relay', to: { protocol: PROTOCOL, peers }, frame: HEARTBEAT });
    for (const conn of beating) if (!conn.peer.closing) conn.link.socket?.ping?.('');
  }, config.channelstreamHeartbeatMs);
  const collect = setInterval(() => {
    const now = Date.now();
    for (const conn of [...engine.connections.values()])
      if (now - conn.lastActive > idleMs) hub.close(conn.peer, 1000, `no activity for ${Math.round(idleMs / 1000)} s`);
    for (const [name, user] of engine.users) if (user.connections.size === 0 && now - user.lastActive > USER_FORGET_MS) engine.users.delete(name);
  }, config.channelstreamGcTickMs);
  heartbeat.unref();
  collect.unref();
  return () => {
    clearInterval(heartbeat);
    clearInterval(collect);
  };
}
