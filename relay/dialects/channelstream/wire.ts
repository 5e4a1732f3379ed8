import { randomUUID } from 'node:crypto';
import { jsonDepth } from '../json-depth.js';

/** Formats channelstream puts on the wire. */

/** Python's `datetime.utcnow().isoformat()`: naive UTC with microseconds and no zone. */
export function isoNow(ms = Date.now()): string {
  return new Date(ms).toISOString().slice(0, 23) + '000';
}

/** A client's ISO datetime as the same naive UTC form, or undefined when it is not one. */
export function isoParse(text: string): string | undefined {
  if (!/^\d{4}-\d\d-\d\d([T ]\d\d:\d\d(:\d\d(\.\d+)?)?)?(Z|[+-]\d\d:?\d\d)?$/.test(text)) return undefined;
  const zoned = /(Z|[+-]\d\d:?\d\d)$/.test(text);
  const ms = Date.parse(zoned ? text : text.replace(' ', 'T') + (text.length > 10 ? 'Z' : 'T00:00:00Z'));
  if (Number.isNaN(ms)) return undefined;
  const micro = /\.(\d+)/.exec(text)?.[1]?.padEnd(6, '0').slice(0, 6) ?? '000000';
  return new Date(ms).toISOString().slice(0, 20) + micro;
}

/** Python's `uuid.UUID(text)` accepts these forms; channelstream always answers hyphenated lowercase. */
export function uuidParse(text: unknown): string | undefined {
  if (typeof text !== 'string') return undefined;
  const hex = text.replace(/^urn:uuid:/i, '').replace(/^\{(.*)\}$/, '$1').replace(/-/g, '');
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) return undefined;
  const h = hex.toLowerCase();
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export const newUuid = (): string => randomUUID();

/** Pretty-printed output past this many bytes (at most) is sent compact instead. */
const PRETTY_BUDGET = 8 * 1024 * 1024;

/**
 * Every reply and every socket frame is JSON pretty-printed with indent 4, as the original's,
 * unless that could pass PRETTY_BUDGET: indentation grows with depth, so a deep value of a
 * megabyte would print to gigabytes. Then it is sent compact, the same JSON value.
 */
export function pretty(value: unknown): string {
  const flat = JSON.stringify(value);
  // Each character of the compact text gains at most a newline, a space and the indent of its depth.
  return flat.length * (4 * jsonDepth(flat) + 2) <= PRETTY_BUDGET ? JSON.stringify(value, null, 4) : flat;
}

/** One event as a socket frame: a one-element array. */
export const frameOf = (event: object): string => pretty([event]);

export const HEARTBEAT = Buffer.from('[]');
