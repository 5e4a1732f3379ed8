import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { connectBody, postMessage, subscribeBody, userStateBody } from '../../relay/dialects/channelstream/schemas.js';
import { check, Invalid, type Field } from '../../relay/dialects/channelstream/validate.js';
import { SEED } from './python.js';

/** channelstream's request validators on generated input: they answer every input, and what they accept comes out as it went in. */

const RUNS = { seed: SEED, numRuns: 500 };
/** Names that are also members of Object.prototype, mixed into every generated key. */
const PROTO_NAMES = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'];
const key = fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom(...PROTO_NAMES));
/** Any JSON value, keys included that are Object.prototype's members, as JSON.parse would make it. */
const json = fc.jsonValue({ maxDepth: 4 });

describe(`channelstream validators, property-based (seed ${SEED})`, () => {
  const schemas: Record<string, Field<unknown>> = { connectBody, subscribeBody, userStateBody, postMessage };

  it.each(Object.keys(schemas))('%s answers any JSON with a value or marshmallow errors, never another exception', (name) => {
    fc.assert(
      fc.property(fc.oneof(json, fc.dictionary(key, json, { maxKeys: 8 })), (raw) => {
        try {
          check(schemas[name]!(raw));
        } catch (err) {
          expect(err).toBeInstanceOf(Invalid);
          expect(Object.keys((err as Invalid).errors).length).toBeGreaterThan(0);
        }
      }),
      RUNS,
    );
  });

  it('keeps the user name, channels and state of a valid /connect as they came, state keys named __proto__ or toString included', () => {
    const name = fc.string({ minLength: 1, maxLength: 512 });
    const channel = fc.string({ minLength: 1, maxLength: 256 });
    const stateValue = fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null));
    fc.assert(
      fc.property(name, fc.array(channel, { maxLength: 5 }), fc.dictionary(fc.oneof(fc.string({ minLength: 1 }), fc.constantFrom(...PROTO_NAMES)), stateValue, { maxKeys: 5 }), (username, channels, user_state) => {
        const body = check(connectBody(JSON.parse(JSON.stringify({ username, channels, user_state }))));
        expect(body).toMatchObject({ username, channels, user_state });
      }),
      RUNS,
    );
  });

  it('refuses a user name or channel out of its length bounds, naming the field', () => {
    fc.assert(
      fc.property(fc.oneof(fc.constant(''), fc.string({ minLength: 513, maxLength: 600 })), (username) => {
        const r = connectBody({ username });
        expect(r.ok).toBe(false);
        expect(Object.keys(r.ok ? {} : r.errors)).toEqual(['username']);
      }),
      { ...RUNS, numRuns: 50 },
    );
  });
});
