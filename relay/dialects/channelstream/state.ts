import type { Peer } from '../../core/peer.js';
import type { ChannelConfig } from './schemas.js';
import type { PeerLink } from '../types.js';
import type { StateValue } from './validate.js';
import { isoNow, newUuid } from './wire.js';
import { byName } from '../../core/names.js';

/** Users, connections and channels: what channelstream remembers between requests. */

export type Event = Record<string, unknown> & { type: string; uuid?: string };

/** An event kept for catchup, with who may see it. */
export interface Frame {
  seq: number;
  event: Event;
  pmUsers: readonly string[];
  excludeUsers: readonly string[];
}

export const CHANNEL_FRAMES = 100;
export const USER_FRAMES = 50;

export function visibleTo(user: string, f: Pick<Frame, 'pmUsers' | 'excludeUsers'>): boolean {
  return !f.excludeUsers.includes(user) && (f.pmUsers.length === 0 || f.pmUsers.includes(user));
}

export function keepLast<T>(list: T[], max: number): void {
  if (list.length > max) list.splice(0, list.length - max);
}

export class User {
  readonly uuid = newUuid();
  state = byName<StateValue>();
  publicKeys: string[] = [];
  readonly connections = new Set<Connection>();
  /** Private messages without a channel, for catchup. */
  readonly frames: Frame[] = [];
  lastActive = Date.now();

  constructor(readonly name: string) {}

  publicState(): Record<string, StateValue> {
    const out = byName<StateValue>();
    for (const k of this.publicKeys) if (k in this.state) out[k] = this.state[k]!;
    return out;
  }

  /** Merges changes; a value equal to the current one (absent counts as null) is not a change. */
  setState(changes: Record<string, StateValue>): { key: string; value: StateValue }[] {
    const changed: { key: string; value: StateValue }[] = [];
    for (const [key, value] of Object.entries(changes)) {
      if ((this.state[key] ?? null) === value) continue;
      this.state[key] = value;
      changed.push({ key, value });
    }
    return changed;
  }

  /** Whether another of this user's connections is in the channel. */
  inChannel(channel: string, except?: Connection): boolean {
    for (const c of this.connections) if (c !== except && c.channels.has(channel)) return true;
    return false;
  }
}

export class Connection {
  readonly channels = new Set<string>();
  lastActive = Date.now();
  /** The newest frame seq this connection has seen; catchup sends what came after. */
  seenSeq: number;

  constructor(
    readonly id: string,
    readonly user: User,
    readonly peer: Peer,
    readonly link: PeerLink,
    seq: number,
  ) {
    this.seenSeq = seq;
  }
}

export class Channel {
  readonly uuid = newUuid();
  readonly history: Event[] = [];
  readonly frames: Frame[] = [];
  lastActive = Date.now();

  constructor(
    readonly name: string,
    public config: ChannelConfig,
  ) {}

  addHistory(event: Event, noHistory: boolean): void {
    if (!this.config.store_history || noHistory || event.type !== 'message') return;
    this.history.push(event);
    keepLast(this.history, this.config.history_size);
  }

  addFrame(frame: Frame): void {
    if (!this.config.store_frames) return;
    this.frames.push(frame);
    keepLast(this.frames, CHANNEL_FRAMES);
  }

  info(users: readonly string[], includeHistory: boolean, includeUsers: boolean, connections: number): Record<string, unknown> {
    return {
      uuid: this.uuid,
      name: this.name,
      long_name: null,
      settings: { ...this.config },
      history: includeHistory ? this.history : [],
      last_active: isoNow(this.lastActive),
      total_connections: connections,
      total_users: users.length,
      users: includeUsers ? users : [],
    };
  }
}
