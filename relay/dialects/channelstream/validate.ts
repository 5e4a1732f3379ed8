import { isoParse, uuidParse } from './wire.js';
import { byName } from '../../core/names.js';

/**
 * Request validation with the original's error bodies (marshmallow 2 `messages`): a field's
 * errors are a list of sentences, a nested object's are an object keyed like the input.
 */

export type Errors = string[] | { [key: string]: Errors };
export type Result<T> = { ok: true; value: T } | { ok: false; errors: Errors };
export type Field<T> = (raw: unknown) => Result<T>;

export const MISSING = 'Missing data for required field.';

const ok = <T>(value: T): Result<T> => ({ ok: true, value });
const fail = (...errors: string[]): Result<never> => ({ ok: false, errors });

export class Invalid extends Error {
  constructor(readonly errors: Errors) {
    super('invalid request');
  }
}

/** What a 422 reply lists at most: one bad item per element of a 1 MiB list would otherwise make a reply twenty times the request. */
export const MAX_REPORTED_ERRORS = 100;
/** The key that says how many errors a shortened 422 reply left out. */
export const MORE_ERRORS = '_more';

/**
 * Whether an entry is a note list() left (its errors are keyed by index, so the name is its own),
 * not a client's key of that name: a mapping's entries are `{value: ...}`, never a list.
 */
const isNote = (key: string, e: Errors): boolean => key === MORE_ERRORS && Array.isArray(e);

/**
 * The first `max` error messages of a tree, walked in key order, and a count of the rest under
 * MORE_ERRORS at the top (or a longer key, where a client named a mapping's key so). A tree
 * within the bound comes back as it is.
 */
export function shortened(errors: Errors, max = MAX_REPORTED_ERRORS): Errors {
  let room = max;
  let dropped = 0;
  const keep = (e: Errors): Errors | undefined => {
    if (Array.isArray(e)) {
      const kept = e.slice(0, Math.max(room, 0));
      room -= kept.length;
      dropped += e.length - kept.length;
      return kept.length ? kept : undefined;
    }
    const out = byName<Errors>();
    for (const [k, v] of Object.entries(e)) {
      const kept = isNote(k, v) ? v : keep(v);
      if (kept !== undefined) out[k] = kept;
    }
    return Object.keys(out).length ? out : undefined;
  };
  const kept = keep(errors) ?? [];
  if (dropped === 0) return errors;
  const more = [`${dropped} more ${dropped === 1 ? 'error' : 'errors'} not listed`];
  if (Array.isArray(kept)) return [...kept, ...more];
  let key = MORE_ERRORS;
  while (key in kept && !isNote(key, kept[key]!)) key += '_';
  kept[key] = [...((kept[key] as string[] | undefined) ?? []), ...more];
  return kept;
}

/** Unwraps a result or throws Invalid with its errors. */
export function check<T>(r: Result<T>): T {
  if (!r.ok) throw new Invalid(r.errors);
  return r.value;
}

export const str = (min = 0, max = Infinity): Field<string> => (raw) => {
  if (typeof raw !== 'string') return fail('Not a valid string.');
  if (raw.length < min || raw.length > max) return fail(max === Infinity ? `Shorter than minimum length ${min}.` : `Length must be between ${min} and ${max}.`);
  return ok(raw);
};

const TRUE = new Set<unknown>([true, 1, '1', 'true', 'True', 'TRUE', 't', 'T', 'on', 'On', 'ON', 'yes', 'y']);
const FALSE = new Set<unknown>([false, 0, '0', 'false', 'False', 'FALSE', 'f', 'F', 'off', 'Off', 'OFF', 'no', 'n']);

export const bool: Field<boolean> = (raw) => (TRUE.has(raw) ? ok(true) : FALSE.has(raw) ? ok(false) : fail('Not a valid boolean.'));

export const int = (min: number): Field<number> => (raw) => {
  const n = typeof raw === 'string' && /^-?\d+$/.test(raw.trim()) ? Number(raw) : raw;
  if (typeof n !== 'number' || !Number.isFinite(n) || typeof raw === 'boolean') return fail('Not a valid integer.');
  const whole = Math.trunc(n);
  return whole < min ? fail(`Must be at least ${min}.`) : ok(whole);
};

export const uuid: Field<string> = (raw) => {
  const id = uuidParse(raw);
  return id ? ok(id) : fail('Not a valid UUID.');
};

export const datetime: Field<string> = (raw) => {
  const iso = typeof raw === 'string' ? isoParse(raw) : undefined;
  return iso ? ok(iso) : fail('Not a valid datetime.');
};

export const list = <T>(item: Field<T>, minItems = 0, maxItems = Infinity): Field<T[]> => (raw) => {
  if (!Array.isArray(raw)) return fail('Not a valid list.');
  if (raw.length > maxItems) return fail(`Longer than maximum length ${maxItems}.`);
  const out: T[] = [];
  const errors = byName<Errors>();
  let failed = 0;
  for (let i = 0; i < raw.length; i++) {
    const r = item(raw[i]);
    if (r.ok) out.push(r.value);
    else {
      errors[String(i)] = r.errors;
      // The reply could not list them all anyway; checking the rest would only cost time.
      if (++failed === MAX_REPORTED_ERRORS && i + 1 < raw.length) {
        errors[MORE_ERRORS] = [`items after ${i} not checked: ${MAX_REPORTED_ERRORS} are invalid already`];
        break;
      }
    }
  }
  if (failed) return { ok: false, errors };
  if (out.length < minItems) return fail(`Shorter than minimum length ${minItems}.`);
  return ok(out);
};

const isMapping = (raw: unknown): raw is Record<string, unknown> => typeof raw === 'object' && raw !== null && !Array.isArray(raw);

export const dict = <T>(value: Field<T>): Field<Record<string, T>> => (raw) => {
  if (!isMapping(raw)) return fail('Not a valid mapping type.');
  const out = byName<T>();
  const errors = byName<Errors>();
  for (const [k, v] of Object.entries(raw)) {
    const r = value(v);
    if (r.ok) out[k] = r.value;
    else errors[k] = { value: r.errors };
  }
  return Object.keys(errors).length ? { ok: false, errors } : ok(out);
};

/** Any JSON object, kept as it is (a message's body). */
export const anyObject: Field<Record<string, unknown>> = (raw) => (isMapping(raw) ? ok(raw) : fail('Not a valid mapping type.'));

export type StateValue = string | number | boolean | null;
export const stateValue: Field<StateValue> = (raw) =>
  raw === null || typeof raw === 'string' || typeof raw === 'number' || typeof raw === 'boolean'
    ? ok(raw)
    : fail('Value is not type of string, integer, boolean or float.');

interface Spec<T> {
  field: Field<T>;
  required?: boolean;
  /** The value when the key is absent; a function makes a fresh one. */
  missing?: T | (() => T);
  nullable?: boolean;
}

export const req = <T>(field: Field<T>): Spec<T> => ({ field, required: true });
export const opt = <T>(field: Field<T>, missing?: T | (() => T), nullable = false): Spec<T> => ({ field, missing, nullable });

type Shape = Record<string, Spec<unknown>>;
type Out<S extends Shape> = { [K in keyof S]: S[K] extends Spec<infer T> ? T : never };

/** An object with these fields; unknown keys are dropped, as marshmallow 2 does. */
export function object<S extends Shape>(shape: S): Field<Out<S>> {
  return (raw) => {
    if (!isMapping(raw)) return { ok: false, errors: { _schema: ['Invalid input type.'] } };
    const out = byName<unknown>();
    const errors = byName<Errors>();
    const absent: string[] = [];
    for (const [key, spec] of Object.entries(shape)) {
      if (!(key in raw)) {
        if (spec.required) errors[key] = [MISSING];
        else absent.push(key);
        continue;
      }
      const v = raw[key];
      if (v === null) {
        if (spec.nullable) out[key] = null;
        else errors[key] = ['Field may not be null.'];
        continue;
      }
      const r = spec.field(v);
      if (r.ok) out[key] = r.value;
      else errors[key] = r.errors;
    }
    if (Object.keys(errors).length) return { ok: false, errors };
    // Defaults (fresh uuids, timestamps) are made only for an object that is kept.
    for (const key of absent) {
      const { missing } = shape[key]!;
      if (missing !== undefined) out[key] = typeof missing === 'function' ? (missing as () => unknown)() : missing;
    }
    return ok(out as Out<S>);
  };
}
