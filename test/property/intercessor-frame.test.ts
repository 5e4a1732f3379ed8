import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeFrame, encodeFrame } from '../../relay/dialects/intercessor/frame.js';
import { SEED } from './python.js';

/** intercessor's frame parser on generated input: it answers every input, and what it accepts comes out as it went in. */

const RUNS = { seed: SEED, numRuns: 500 };
/** Names that are also members of Object.prototype, mixed into every generated key. */
const PROTO_NAMES = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'];
const key = fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom(...PROTO_NAMES));
/** Any JSON value, keys included that are Object.prototype's members, as JSON.parse would make it. */
const json = fc.jsonValue({ maxDepth: 4 });
const jsonText = fc.oneof(
  json.map((v) => JSON.stringify(v)),
  fc.dictionary(key, json, { maxKeys: 6 }).map((o) => JSON.stringify(o)),
  fc.string({ maxLength: 40 }),
  fc.nat({ max: 3000 }).map((n) => '['.repeat(n) + ']'.repeat(n)),
);

describe(`intercessor frames, property-based (seed ${SEED})`, () => {
  it('decodes what it encodes, as an object and as a four-element array', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.string(), json, (from, to, type, value) => {
        // As the wire carries it: JSON has no -0.
        const message: unknown = JSON.parse(JSON.stringify(value));
        expect(decodeFrame(encodeFrame(from, to, type, message))).toEqual({ from, to, type, message });
        expect(decodeFrame(JSON.stringify([from, to, type, message]))).toEqual({ from, to, type, message });
      }),
      RUNS,
    );
  });

  it('answers any text with a frame of the right types or a reason, never an exception', () => {
    fc.assert(
      fc.property(jsonText, (text) => {
        const got = decodeFrame(text);
        if (typeof got === 'string') expect(got.length).toBeGreaterThan(0);
        else {
          expect(typeof got.to).toBe('string');
          expect(typeof got.type).toBe('string');
          expect(got.from === undefined || typeof got.from === 'string').toBe(true);
        }
      }),
      RUNS,
    );
  });
});
