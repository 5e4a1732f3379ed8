import type { Config } from '../../config/schema.js';
import type { Hub } from '../../core/hub.js';
import type { Engine } from './engine.js';
import { HEARTBEAT } from './wire.js';

const USER_FORGET_MS = 24 * 3600 * 1000;

/**
 * Heartbeats and collection. Every attached socket gets `[]` each heartbeat period, however late
 * it attached (D8); each send keeps its connection alive. Connections idle past the limit are
 * closed with 1000, users without connections are forgotten after a day. Returns the stop function.
 */
export function startHousekeeping(engine: Engine, hub: Hub, config: Config): () => void {
  const idleMs = config.channelstreamGcIdleMs;
  const heartbeat = setInterval(() => {
    for (const conn of engine.connections.values()) if (conn.link.socket) hub.deliver(conn.peer, HEARTBEAT);
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
