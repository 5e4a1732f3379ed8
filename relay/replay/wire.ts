import type { ProtocolName } from '../config/schema.js';
import type { ClientPlan } from './plan.js';

/**
 * What a replay needs to know of each protocol: which ids the relay assigns, where they appear
 * in frames, and what the relay makes afresh every time (compared masked).
 */
export interface ReplayWire {
  /** Where this client's ids are unique: the protocol, or one of its rooms. */
  scope(c: ClientPlan): string;
  /** Ids the relay gave the recipient of this frame (its own, announced to it), in order. */
  ownIds(frame: string): string[];
  /** Ids named in a frame or a path that the relay assigned. */
  ids(text: string): string[];
  /** The text with each id replaced where `map` knows it. */
  rewrite(text: string, map: (id: string) => string | undefined): string;
  /** A frame to leave out of the comparison (a heartbeat whose count depends on timing). */
  ignore?(frame: string): boolean;
  /** The frame with what the relay makes afresh each time replaced by a placeholder. */
  mask?(frame: string): string;
}

function tokens(re: RegExp): Pick<ReplayWire, 'ids' | 'rewrite'> {
  return {
    ids: (text) => text.match(re) ?? [],
    rewrite: (text, map) => text.replace(re, (id) => map(id) ?? id),
  };
}

function jsonObject(frame: string): Record<string, unknown> | undefined {
  try {
    const v = JSON.parse(frame) as unknown;
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

const byProtocol = (c: ClientPlan): string => c.protocol;

/** 22 base64url characters: 16 random bytes. */
const msgRelay: ReplayWire = {
  scope: byProtocol,
  ...tokens(/(?<![\w-])[\w-]{22}(?![\w-])/g),
  ownIds(frame) {
    if (!frame.includes('"connection_id"')) return [];
    const m = jsonObject(frame);
    return m?.message_type === 'connection_id' && typeof m.connection_id === 'string' ? [m.connection_id] : [];
  },
};

/** Addresses are uuid4().hex: 32 lowercase hex characters, one per INIT. */
const compendium: ReplayWire = {
  scope: byProtocol,
  ...tokens(/(?<![0-9a-f])[0-9a-f]{32}(?![0-9a-f])/g),
  ownIds(frame) {
    const m = frame.includes('INITRESP') ? jsonObject(frame) : undefined;
    return m?.type === 'INITRESP' && typeof m.EpheWssAddr === 'string' ? [m.EpheWssAddr] : [];
  },
};

/** Numbers count from 1 in each room: the first word of every frame, in and out, is one. */
const spacewar: ReplayWire = {
  scope: (c) => `spacewar ${[...c.rooms][0] ?? ''}`,
  ids: (text) => {
    const first = /^\d+(?=\s)/.exec(text);
    return first ? [first[0]] : [];
  },
  rewrite: (text, map) => text.replace(/^\d+(?=\s)/, (id) => map(id) ?? id),
  ownIds: (frame) => {
    const m = /^(\d+) self$/.exec(frame);
    return m ? [m[1]!] : [];
  },
};

/** Ids are UUIDs; the relay's HELLO names the recipient's. */
const intercessor: ReplayWire = {
  scope: byProtocol,
  ...tokens(UUID),
  ownIds(frame) {
    const m = frame.includes('HELLO') ? jsonObject(frame) : undefined;
    const id = (m?.message as { id?: unknown } | undefined)?.id;
    return m?.type === 'HELLO' && m.from === '0' && typeof id === 'string' ? [id] : [];
  },
};

/**
 * Connection ids are UUIDs given by /connect (learned from its answer, not from a frame). Each
 * event's uuid and timestamp are made when it is sent, and `[]` heartbeats come with the clock.
 */
const channelstream: ReplayWire = {
  scope: byProtocol,
  ...tokens(UUID),
  ownIds: () => [],
  ignore: (frame) => frame === '[]',
  mask(frame) {
    let events: unknown;
    try {
      events = JSON.parse(frame);
    } catch {
      return frame;
    }
    if (!Array.isArray(events)) return frame;
    for (const e of events)
      if (typeof e === 'object' && e !== null) {
        const ev = e as Record<string, unknown>;
        if ('uuid' in ev) ev.uuid = '(uuid)';
        if ('timestamp' in ev) ev.timestamp = '(timestamp)';
      }
    return JSON.stringify(events);
  },
};

export const WIRES: Record<ProtocolName, ReplayWire> = {
  'msg-relay': msgRelay,
  compendium,
  spacewar,
  intercessor,
  channelstream,
};
