import type { Engine } from './engine.js';
import type { Channel } from './state.js';
import type { StateValue } from './validate.js';
import { byName } from '../../core/names.js';

/** What /connect, /subscribe, /info, /channel_config and /admin/admin.json report about channels and users. */

export interface InfoOptions {
  include_history: boolean;
  include_users: boolean;
  return_public_state: boolean;
  exclude_channels: string[];
}

export const VERSION = '0.7.1';

function channelInfo(engine: Engine, ch: Channel, includeHistory: boolean, includeUsers: boolean): Record<string, unknown> {
  return ch.info(engine.channelUsers(ch.name), includeHistory, includeUsers, engine.channelConnections(ch.name));
}

/** The original's `get_info`: the named channels and the users in them. */
export function info(
  engine: Engine,
  names: Iterable<string>,
  o: InfoOptions,
): { channels: Record<string, unknown>; users: { user: string; state: Record<string, StateValue> }[] } {
  const channels = byName<unknown>();
  const users = new Set<string>();
  for (const name of names) {
    const ch = engine.channels.get(name);
    if (!ch || o.exclude_channels.includes(name)) continue;
    channels[name] = channelInfo(engine, ch, o.include_history, o.include_users);
    if (o.include_users) for (const u of engine.channelUsers(name)) users.add(u);
  }
  return {
    channels,
    users: [...users].map((name) => {
      const u = engine.users.get(name)!;
      return { user: name, state: o.return_public_state ? u.publicState() : u.state };
    }),
  };
}

/** Python's `str(timedelta)` for whole seconds: H:MM:SS. */
function uptime(ms: number): string {
  const secs = Math.floor(ms / 1000);
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${Math.floor(secs / 3600)}:${two(Math.floor(secs / 60) % 60)}:${two(secs % 60)}`;
}

export function adminReport(engine: Engine): Record<string, unknown> {
  const channels = byName<unknown>();
  for (const ch of engine.channels.values()) channels[ch.name] = channelInfo(engine, ch, true, true);
  const users = [...engine.users.values()];
  return {
    remembered_user_count: users.length,
    unique_user_count: users.filter((u) => u.connections.size > 0).length,
    total_connections: engine.connections.size,
    total_channels: engine.channels.size,
    total_messages: engine.totalMessages,
    total_unique_messages: engine.totalUniqueMessages,
    channels,
    users: users.map((u) => ({ state: u.publicState(), user: u.name, uuid: u.uuid, connections: [...u.connections].map((c) => c.id) })),
    uptime: uptime(Date.now() - engine.startedAt),
    version: VERSION,
  };
}
