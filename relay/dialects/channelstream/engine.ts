import type { IncomingMessage } from 'node:http';
import type { Hub } from '../../core/hub.js';
import type { Origin } from '../../core/observe.js';
import type { Peer, PeerView } from '../../core/peer.js';
import type { Routing } from '../../core/routing.js';
import type { Connections, DialectContext } from '../types.js';
import { defaultChannelConfig, type ChannelConfig } from './schemas.js';
import { Channel, Connection, keepLast, User, USER_FRAMES, visibleTo, type Event, type Frame } from './state.js';
import type { StateValue } from './validate.js';
import { frameOf, isoNow, newUuid } from './wire.js';

/**
 * channelstream's server state and operations. It decides what an event looks like and who may
 * see it; the hub delivers it (one encoded frame per event, whatever the number of recipients).
 */

export const PROTOCOL = 'channelstream';

export interface EngineOptions {
  listenWaitMs: number;
  listenGatherMs: number;
}

export interface Addressing {
  channel?: string | null;
  pm_users: string[];
  exclude_users: string[];
  no_history: boolean;
}

export interface NewMessage extends Addressing {
  uuid: string;
  timestamp: string;
  user: string;
  message: Record<string, unknown>;
}

export interface MessageEdit extends Addressing {
  uuid: string;
  edited: string;
  user?: string;
  timestamp?: string;
  message?: Record<string, unknown>;
}

const messageEvent = (m: Pick<NewMessage, 'channel' | 'uuid' | 'timestamp' | 'user' | 'message'>): Event => ({
  channel: m.channel ?? null,
  uuid: m.uuid,
  timestamp: m.timestamp,
  user: m.user,
  message: m.message,
  edited: null,
  catchup: false,
  type: 'message',
});

const sortedUnique = (names: readonly string[]): string[] => [...new Set(names)].sort();

/** A /connect or /subscribe that would open channels over the relay's room limit: nothing was changed. */
export class RoomLimit extends Error {
  override name = 'RoomLimit';
}

export class Engine {
  readonly users = new Map<string, User>();
  readonly connections = new Map<string, Connection>();
  readonly channels = new Map<string, Channel>();
  readonly startedAt = Date.now();
  /** Counts every event kept for catchup; a connection remembers the last one it saw. */
  private seq = 0;
  totalMessages = 0;
  totalUniqueMessages = 0;

  private readonly hub: Hub;
  private readonly routing: Routing;
  private readonly connectionPlace: Connections;

  constructor(core: Pick<DialectContext, 'hub' | 'routing' | 'connections'>, private readonly opts: EngineOptions) {
    this.hub = core.hub;
    this.routing = core.routing;
    this.connectionPlace = core.connections;
  }

  connectionOf(peer: PeerView): Connection | undefined {
    const c = this.connections.get(peer.id);
    return c?.peer === peer ? c : undefined;
  }

  // ---- users and connections

  /** /connect: the user (created with its fresh state), the connection, its channels. */
  connect(
    b: { username: string; conn_id: string; channels: string[]; state_public_keys: string[]; fresh_user_state: Record<string, StateValue>; user_state: Record<string, StateValue>; channel_configs: Record<string, ChannelConfig> },
    req: IncomingMessage,
  ): Connection {
    this.checkRooms(b.channels);
    let user = this.users.get(b.username);
    if (!user) {
      user = new User(b.username);
      this.users.set(user.name, user);
      user.setState(b.fresh_user_state);
    }
    user.publicKeys = b.state_public_keys;
    user.setState(b.user_state);
    user.lastActive = Date.now();
    let conn = this.connections.get(b.conn_id);
    if (conn && conn.user !== user) {
      this.hub.close(conn.peer, 1000, `conn_id ${b.conn_id} was connected again for another user`);
      conn = undefined;
    }
    conn ??= this.open(b.conn_id, user, req);
    this.subscribe(conn, b.channels, b.channel_configs);
    return conn;
  }

  /** The connection place connects the peer; its link takes a socket or long polls later. */
  private open(id: string, user: User, req: IncomingMessage): Connection {
    const link = this.connectionPlace.standing(req, {
      protocol: PROTOCOL,
      id,
      meta: { user: user.name },
      sent: () => this.markActive(conn),
      gone: () => this.forget(conn),
    });
    const conn = new Connection(id, user, link.peer, link, this.seq);
    this.connections.set(id, conn);
    user.connections.add(conn);
    return conn;
  }

  /** The connection's departure handler: runs once when the hub lets it go, however it goes (the hub closes its transport). */
  forget(conn: Connection): void {
    this.connections.delete(conn.id);
    conn.user.connections.delete(conn);
    for (const name of [...conn.channels].sort()) {
      const ch = this.channels.get(name);
      if (ch && !conn.user.inChannel(name)) this.presence(ch, conn.user, 'parted');
    }
  }

  markActive(conn: Connection): void {
    conn.lastActive = conn.user.lastActive = Date.now();
    conn.seenSeq = this.seq;
  }

  /**
   * Channels are rooms to the relay's limit. A request that would open too many is refused whole,
   * before anything changes, rather than closing a connection its caller is told it has.
   */
  private checkRooms(names: readonly string[]): void {
    const full = this.hub.roomsRefused(PROTOCOL, names);
    if (full) throw new RoomLimit(full);
  }

  /**
   * Subscribes to channels (creating them with the given configs); returns the newly joined, sorted.
   * Throws RoomLimit, having changed nothing, when they would open rooms over the relay's limit.
   */
  subscribe(conn: Connection, names: readonly string[], configs: Record<string, ChannelConfig>): string[] {
    this.checkRooms(names);
    const added: string[] = [];
    for (const name of sortedUnique(names)) {
      let ch = this.channels.get(name);
      if (!ch) this.channels.set(name, (ch = new Channel(name, configs[name] ?? defaultChannelConfig())));
      if (conn.channels.has(name)) continue;
      const first = !conn.user.inChannel(name);
      if (!this.hub.join(conn.peer, name)) break;
      conn.channels.add(name);
      ch.lastActive = Date.now();
      added.push(name);
      if (first) this.presence(ch, conn.user, 'joined');
    }
    return added;
  }

  /** /channel_config: creates the channel or replaces its settings. */
  configure(name: string, config: ChannelConfig): void {
    const ch = this.channels.get(name);
    if (!ch) {
      this.channels.set(name, new Channel(name, config));
      return;
    }
    ch.config = config;
    keepLast(ch.history, config.history_size);
  }

  unsubscribe(conn: Connection, names: readonly string[]): string[] {
    const removed: string[] = [];
    for (const name of sortedUnique(names)) {
      if (!conn.channels.delete(name)) continue;
      this.hub.leave(conn.peer, name);
      removed.push(name);
      const ch = this.channels.get(name);
      if (ch && !conn.user.inChannel(name)) this.presence(ch, conn.user, 'parted');
    }
    return removed;
  }

  disconnect(id: string): boolean {
    const conn = this.connections.get(id);
    if (!conn) return false;
    this.hub.close(conn.peer, 1000, 'disconnected through /disconnect');
    return true;
  }

  /** /user_state: merges the state and tells the user's channels that have notify_state. */
  setUserState(user: User, changes: Record<string, StateValue>, publicKeys: string[] | null | undefined): { key: string; value: StateValue }[] {
    if (publicKeys) user.publicKeys = publicKeys;
    const changed = user.setState(changes);
    if (changed.length === 0) return changed;
    const publicChanged = changed.filter((c) => user.publicKeys.includes(c.key));
    const names = new Set<string>();
    for (const c of user.connections) for (const n of c.channels) names.add(n);
    for (const name of [...names].sort()) {
      const ch = this.channels.get(name);
      if (!ch?.config.notify_state) continue;
      const event: Event = {
        uuid: newUuid(),
        type: 'user_state_change',
        user: user.name,
        timestamp: isoNow(),
        catchup: false,
        channel: name,
        message: { state: user.publicState(), changed: publicChanged },
      };
      this.toChannel(ch, event, [], [], 'relay');
    }
    return changed;
  }

  // ---- events

  /** A `message` event to a channel or, without one, to the pm_users; returns the recipient count. */
  publish(m: NewMessage, from: Origin): number {
    this.totalUniqueMessages++;
    const event = messageEvent(m);
    if (!m.channel) return this.toUsers(m.pm_users, event, m.exclude_users, from);
    const ch = this.channels.get(m.channel);
    if (!ch) return 0;
    ch.addHistory({ ...event, pm_users: m.pm_users, exclude_users: m.exclude_users, no_history: m.no_history }, m.no_history);
    return this.toChannel(ch, event, m.pm_users, m.exclude_users, from);
  }

  /** An operator's message straight to connections, outside any channel and kept nowhere (E4). */
  sendDirect(m: Pick<NewMessage, 'user' | 'message'>, conns: Iterable<Connection>): number {
    this.totalUniqueMessages++;
    const peers: Peer[] = [];
    for (const c of conns) if (c.link.attached) peers.push(c.peer);
    const event = messageEvent({ ...m, channel: null, uuid: newUuid(), timestamp: isoNow() });
    return this.count(this.routing.route({ from: 'operator', to: { protocol: PROTOCOL, peers }, frame: frameOf(event) }));
  }

  private count(delivered: number): number {
    this.totalMessages += delivered;
    return delivered;
  }

  edit(e: MessageEdit): void {
    const patch: Record<string, unknown> = { uuid: e.uuid, edited: e.edited };
    for (const k of ['timestamp', 'user', 'message'] as const) if (e[k] !== undefined) patch[k] = e[k];
    const event: Event = {
      uuid: e.uuid,
      ...(e.message !== undefined && { message: e.message }),
      edited: e.edited,
      channel: e.channel ?? null,
      type: 'message:edit',
      ...(e.user !== undefined && { user: e.user }),
      ...(e.timestamp !== undefined && { timestamp: e.timestamp }),
    };
    this.rewrite(e, event, (kept) => {
      for (const h of kept.history) if (h.uuid === e.uuid) Object.assign(h, patch);
      for (const f of kept.frames) if (f.event.type === 'message' && f.event.uuid === e.uuid) Object.assign(f.event, patch);
    });
  }

  remove(e: Addressing & { uuid: string }): void {
    const event: Event = { channel: e.channel ?? null, uuid: e.uuid, type: 'message:delete' };
    const isIt = (x: Event): boolean => x.type === 'message' && x.uuid === e.uuid;
    this.rewrite(e, event, (kept) => {
      kept.history.splice(0, kept.history.length, ...kept.history.filter((h) => !isIt(h)));
      kept.frames.splice(0, kept.frames.length, ...kept.frames.filter((f) => !isIt(f.event)));
    });
  }

  /** Changes what a channel (or the pm_users) keep of a message, then sends the event about it. */
  private rewrite(a: Addressing, event: Event, change: (kept: { history: Event[]; frames: Frame[] }) => void): void {
    if (a.channel) {
      const ch = this.channels.get(a.channel);
      if (!ch) return;
      change(ch);
      this.toChannel(ch, event, a.pm_users, a.exclude_users, 'relay');
      return;
    }
    for (const name of sortedUnique(a.pm_users)) {
      const user = this.users.get(name);
      if (user) change({ history: [], frames: user.frames });
    }
    this.toUsers(a.pm_users, event, a.exclude_users, 'relay');
  }

  private presence(ch: Channel, user: User, action: 'joined' | 'parted'): void {
    if (!ch.config.notify_presence) return;
    const users = ch.config.broadcast_presence_with_user_lists
      ? this.channelUsers(ch.name).map((name) => ({ user: name, state: this.users.get(name)!.publicState() }))
      : [];
    const event: Event = {
      uuid: newUuid(),
      type: 'presence',
      user: user.name,
      users,
      timestamp: isoNow(),
      channel: ch.name,
      message: { action },
      state: action === 'joined' ? user.publicState() : null,
      catchup: false,
    };
    this.toChannel(ch, event, [], [user.name], 'relay');
  }

  private keep(event: Event, pmUsers: readonly string[], excludeUsers: readonly string[]): Frame {
    return { seq: ++this.seq, event, pmUsers, excludeUsers };
  }

  private toChannel(ch: Channel, event: Event, pmUsers: readonly string[], excludeUsers: readonly string[], from: Origin): number {
    const frame = this.keep(event, pmUsers, excludeUsers);
    ch.addFrame(frame);
    ch.lastActive = Date.now();
    const filter = (p: PeerView): boolean => {
      const c = this.connectionOf(p);
      return c !== undefined && c.link.attached && visibleTo(c.user.name, frame);
    };
    return this.count(this.routing.route({ from, to: { protocol: PROTOCOL, room: ch.name, filter }, frame: frameOf(event) }));
  }

  private toUsers(names: readonly string[], event: Event, excludeUsers: readonly string[], from: Origin): number {
    const frame = this.keep(event, names, excludeUsers);
    const peers: Peer[] = [];
    for (const name of sortedUnique(names)) {
      const user = this.users.get(name);
      if (!user || excludeUsers.includes(name)) continue;
      user.frames.push(frame);
      keepLast(user.frames, USER_FRAMES);
      for (const c of user.connections) if (c.link.attached) peers.push(c.peer);
    }
    return this.count(this.routing.route({ from, to: { protocol: PROTOCOL, peers }, frame: frameOf(event) }));
  }

  /** Sends one connection what was kept for it since it was last active, each marked catchup. */
  catchup(conn: Connection): void {
    const due: Event[] = [];
    const user = conn.user.name;
    for (const name of [...conn.channels].sort())
      for (const f of this.channels.get(name)?.frames ?? []) if (f.seq > conn.seenSeq && visibleTo(user, f)) due.push(f.event);
    for (const f of conn.user.frames) if (f.seq > conn.seenSeq && visibleTo(user, f)) due.push(f.event);
    for (const e of due) this.routing.route({ from: 'relay', to: { peer: conn.peer }, frame: frameOf({ ...e, catchup: true }) });
  }

  /** One long poll: a fresh poll attached, catchup, then the events of what arrives within the wait. */
  async listen(conn: Connection): Promise<unknown[]> {
    const poll = this.connectionPlace.poll(conn.link);
    this.catchup(conn);
    const frames = await poll.collect(this.opts.listenWaitMs, this.opts.listenGatherMs);
    this.markActive(conn);
    const events: unknown[] = [];
    for (const f of frames) events.push(...(JSON.parse(f.toString()) as unknown[]));
    return events;
  }

  /** Users in a channel, sorted. */
  channelUsers(name: string): string[] {
    const names = new Set<string>();
    for (const p of this.hub.members(PROTOCOL, name)) {
      const c = this.connectionOf(p);
      if (c) names.add(c.user.name);
    }
    return [...names].sort();
  }

  channelConnections(name: string): number {
    return this.hub.roomSize(PROTOCOL, name);
  }
}
