import { PROTOCOLS, type Config, type ProtocolName } from '../config/schema.js';
import { TRAFFIC_KINDS, type TrafficKind } from '../core/tap.js';
import type { InjectTarget } from '../dialects/types.js';
import { ConsoleError } from './errors.js';
import type { ConsoleOp, Params, PeerFilter, TrafficFilter } from './types.js';

/**
 * The console API's parameters, checked before any op uses them. A request comes from a
 * browser, a desktop window or a script holding the token, and what an op keeps (a traffic
 * filter) is used later by the pump, where a wrong type would throw in a timer. So every
 * parameter is checked here for its type, shape and size, and an op gets a fresh object with
 * only the keys it knows; a bad one is refused with its op and its name.
 */

/** Rows of one page of peers or room members. */
export const MAX_PAGE = 1000;
/**
 * The longest filter text, literal or a regular expression. Text and patterns search whole
 * frames in bounded passes (relay/console/search.ts), and a pattern runs under a watchdog.
 */
export const MAX_FILTER_TEXT = 512;
/** The longest name (peer key, wire id, room): the largest metadata any peer may bring. */
const MAX_NAME = 64 * 1024;
/** The longest recipient pattern of an injected message (msg-relay's meta_filter, channelstream's user). */
const MAX_PATTERN = 1024;
/** The longest kick reason asked for; the close frame keeps its first 123 bytes. */
const MAX_REASON = 1024;
/** The longest injected payload: the console API's own frame limit. */
const MAX_PAYLOAD = 4 * 1024 * 1024;

type Raw = Readonly<Record<string, unknown>>;

const isPlainObject = (v: unknown): v is Raw => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A value as a complaint shows it: short, whatever its size. */
function shown(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return v.length > 64 ? `text of ${v.length} characters` : JSON.stringify(v);
  return String(v);
}

/** One object of a request (the params, or an object inside them), read key by key. */
class Reader {
  constructor(
    private readonly op: string,
    private readonly raw: Raw,
    /** Where this object is inside the params, as a prefix: "filter.", "target.". */
    private readonly at: string,
    known: readonly string[],
  ) {
    for (const key of Object.keys(raw))
      if (!known.includes(key))
        throw new ConsoleError(`${op}: unknown parameter ${JSON.stringify(this.at + key.slice(0, 64))} (${known.length ? `known: ${known.join(', ')}` : 'it takes none'})`);
  }

  private refuse(key: string, must: string, v: unknown): never {
    throw new ConsoleError(`${this.op}: ${this.at}${key} must be ${must}, got ${shown(v)}`);
  }

  /** The value, or undefined for a parameter that is absent (null and undefined both mean absent). */
  private value(key: string, required: boolean): unknown {
    const v = Object.hasOwn(this.raw, key) ? this.raw[key] : undefined;
    if ((v === undefined || v === null) && required) throw new ConsoleError(`${this.op}: ${this.at}${key} is required`);
    return v ?? undefined;
  }

  text(key: string, max: number, required: true): string;
  text(key: string, max: number, required?: false): string | undefined;
  text(key: string, max: number, required = false): string | undefined {
    const v = this.value(key, required);
    if (v === undefined) return undefined;
    if (typeof v !== 'string') this.refuse(key, 'text', v);
    if (v.length > max) this.refuse(key, `at most ${max} characters`, v);
    return v;
  }

  protocol(key: string, required: true): ProtocolName;
  protocol(key: string, required?: false): ProtocolName | undefined;
  protocol(key: string, required = false): ProtocolName | undefined {
    return this.oneOf(key, PROTOCOLS, required);
  }

  oneOf<T extends string>(key: string, values: readonly T[], required: true): T;
  oneOf<T extends string>(key: string, values: readonly T[], required: boolean): T | undefined;
  oneOf<T extends string>(key: string, values: readonly T[], required: boolean): T | undefined {
    const v = this.value(key, required);
    if (v === undefined) return undefined;
    if (!(values as readonly unknown[]).includes(v)) this.refuse(key, `one of ${values.join(', ')}`, v);
    return v as T;
  }

  /** A whole number in min..max (no max: from min). */
  int(key: string, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
    const v = this.value(key, false);
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
      this.refuse(key, max === Number.MAX_SAFE_INTEGER ? `a whole number from ${min}` : `a whole number in ${min}..${max}`, v);
    return v;
  }

  /** A number in min..max, fractions allowed. */
  number(key: string, min: number, max: number): number | undefined {
    const v = this.value(key, false);
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) this.refuse(key, `a number in ${min}..${max}`, v);
    return v;
  }

  bool(key: string): boolean | undefined {
    const v = this.value(key, false);
    if (v === undefined) return undefined;
    if (typeof v !== 'boolean') this.refuse(key, 'true or false', v);
    return v;
  }

  /** A whole number from `min`; over `max` it is taken as `max` (a page is "up to"). */
  upTo(key: string, min: number, max: number): number | undefined {
    const v = this.int(key, min);
    return v === undefined ? undefined : Math.min(v, max);
  }

  kinds(key: string): TrafficKind[] | undefined {
    const v = this.value(key, false);
    if (v === undefined) return undefined;
    const known = TRAFFIC_KINDS as readonly unknown[];
    if (!Array.isArray(v) || v.length > TRAFFIC_KINDS.length || !v.every((k) => known.includes(k)))
      this.refuse(key, `a list of traffic kinds among ${TRAFFIC_KINDS.join(', ')}`, Array.isArray(v) ? v.find((k) => !known.includes(k)) ?? v : v);
    return [...new Set(v as TrafficKind[])];
  }

  /** An object parameter, read with its own known keys; undefined when absent. */
  object(key: string, known: readonly string[], required: true): Reader;
  object(key: string, known: readonly string[], required?: false): Reader | undefined;
  object(key: string, known: readonly string[], required = false): Reader | undefined {
    const v = this.value(key, required);
    if (v === undefined) return undefined;
    if (!isPlainObject(v)) this.refuse(key, 'an object', v);
    return new Reader(this.op, v, `${this.at}${key}.`, known);
  }

  /** An object parameter handed on whole, to a checker of its own. */
  record(key: string): Raw {
    const v = this.value(key, true);
    if (!isPlainObject(v)) this.refuse(key, 'an object', v);
    return v;
  }
}

function peerFilter(r: Reader | undefined): PeerFilter | undefined {
  return r && { protocol: r.protocol('protocol'), room: r.text('room', MAX_NAME), text: r.text('text', MAX_NAME) };
}

const PEER_SORT_KEYS = ['id', 'node', 'protocol', 'room', 'meta', 'remote', 'connectedAt', 'msgsIn', 'msgsOut', 'drops'] as const;

const TRAFFIC_FILTER_KEYS = ['protocol', 'room', 'peer', 'text', 'regex', 'kinds', 'minSize', 'maxSize'];

function trafficFilter(r: Reader | undefined): TrafficFilter | undefined {
  return (
    r && {
      protocol: r.protocol('protocol'),
      room: r.text('room', MAX_NAME),
      peer: r.text('peer', MAX_NAME),
      text: r.text('text', MAX_FILTER_TEXT),
      regex: r.bool('regex'),
      kinds: r.kinds('kinds'),
      minSize: r.int('minSize', 0),
      maxSize: r.int('maxSize', 0),
    }
  );
}

function injectTarget(r: Reader): InjectTarget {
  const kind = r.oneOf('kind', ['peer', 'room', 'everyone'] as const, true);
  if (kind === 'peer') return { kind, peer: r.text('peer', MAX_NAME, true) };
  if (kind === 'room') return { kind, room: r.text('room', MAX_NAME, true), filter: r.text('filter', MAX_PATTERN) };
  return { kind };
}

/** Each op's checker gets its params through `read(known keys)`. */
type Checkers = { readonly [K in ConsoleOp]: (read: (known: readonly string[]) => Reader) => Params<K> };

const CHECKERS: Checkers = {
  snapshot: (read) => (read([]), {}),
  peers: (read) => {
    const r = read(['filter', 'sort', 'offset', 'limit']);
    const sort = r.object('sort', ['key', 'desc']);
    return {
      filter: peerFilter(r.object('filter', ['protocol', 'room', 'text'])),
      sort: sort && { key: sort.oneOf('key', PEER_SORT_KEYS, true), desc: sort.bool('desc') },
      offset: r.int('offset', 0),
      limit: r.upTo('limit', 1, MAX_PAGE),
    };
  },
  peer: (read) => ({ key: read(['key']).text('key', MAX_NAME, true) }),
  rooms: (read) => ({ protocol: read(['protocol']).protocol('protocol') }),
  roomMembers: (read) => {
    const r = read(['protocol', 'room']);
    return { protocol: r.protocol('protocol', true), room: r.text('room', MAX_NAME, true) };
  },
  kick: (read) => {
    const r = read(['key', 'code', 'reason']);
    return { key: r.text('key', MAX_NAME, true), code: r.int('code', 0, 65535), reason: r.text('reason', MAX_REASON) };
  },
  inject: (read) => {
    const r = read(['protocol', 'target', 'payload']);
    return {
      protocol: r.protocol('protocol', true),
      target: injectTarget(r.object('target', ['kind', 'peer', 'room', 'filter'], true)),
      payload: r.text('payload', MAX_PAYLOAD, true),
    };
  },
  subscribeTraffic: (read) => {
    const r = read(['filter', 'backlog']);
    return { filter: trafficFilter(r.object('filter', TRAFFIC_FILTER_KEYS)), backlog: r.int('backlog', 0) };
  },
  unsubscribeTraffic: (read) => (read([]), {}),
  exportTraffic: (read) => {
    const r = read(['filter', 'limit']);
    return { filter: trafficFilter(r.object('filter', TRAFFIC_FILTER_KEYS)), limit: r.int('limit', 1) };
  },
  frame: (read) => {
    const seq = read(['seq']).int('seq', 1);
    if (seq === undefined) throw new ConsoleError('frame: seq is required');
    return { seq };
  },
  log: (read) => ({ limit: read(['limit']).int('limit', 1) }),
  getSettings: (read) => (read([]), {}),
  // The config loader checks each key and value, and names the one at fault.
  updateSettings: (read) => ({ patch: read(['patch']).record('patch') as Partial<Config> }),
  captures: (read) => (read([]), {}),
  // The configured bounds cap what is asked for (Captures.start).
  startCapture: (read) => {
    const r = read(['maxBytes', 'maxSeconds']);
    return { maxBytes: r.int('maxBytes', 1), maxSeconds: r.int('maxSeconds', 1) };
  },
  stopCapture: (read) => (read([]), {}),
  replayCapture: (read) => {
    const r = read(['name', 'speed', 'room']);
    return { name: r.text('name', MAX_NAME, true), speed: r.number('speed', 0.01, 1000), room: r.text('room', MAX_NAME) };
  },
};

/** Whether `op` is an op of the console API: own names only, so "toString" is not one. */
export function isOp(op: unknown): op is ConsoleOp {
  return typeof op === 'string' && Object.hasOwn(CHECKERS, op);
}

/**
 * The parameters of one request, checked: absent (undefined or null) is no parameters; anything
 * else must be an object of the op's own keys, each of its type and within its bounds.
 */
export function checkParams<K extends ConsoleOp>(op: K, raw: unknown): Params<K> {
  const name: unknown = op;
  if (!isOp(name)) throw new ConsoleError(`unknown console request ${typeof name === 'string' ? JSON.stringify(name.slice(0, 64)) : shown(name)}`);
  const params = raw ?? {};
  if (!isPlainObject(params)) throw new ConsoleError(`${op}: the parameters must be an object, got ${shown(params)}`);
  const checker = CHECKERS[op] as Checkers[K];
  return checker((known) => new Reader(op, params, '', known));
}
