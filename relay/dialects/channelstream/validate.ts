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

export const list = <T>(item: Field<T>, minItems = 0): Field<T[]> => (raw) => {
  if (!Array.isArray(raw)) return fail('Not a valid list.');
  const out: T[] = [];
  const errors = byName<Errors>();
  raw.forEach((v, i) => {
    const r = item(v);
    if (r.ok) out.push(r.value);
    else errors[String(i)] = r.errors;
  });
  if (Object.keys(errors).length) return { ok: false, errors };
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
    for (const [key, spec] of Object.entries(shape)) {
      if (!(key in raw)) {
        if (spec.required) errors[key] = [MISSING];
        else if (spec.missing !== undefined) out[key] = typeof spec.missing === 'function' ? (spec.missing as () => unknown)() : spec.missing;
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
    return Object.keys(errors).length ? { ok: false, errors } : ok(out as Out<S>);
  };
}
