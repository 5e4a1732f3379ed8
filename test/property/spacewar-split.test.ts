import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bytesSplitInTwo, splitTwo } from '../../relay/dialects/spacewar/split.js';
import { python, samples, SEED } from './python.js';

/** Spacewar parses every frame with Python's split(None, 1): checked against Python itself. */

/** Every character Python's str.isspace() takes, and some it does not that JavaScript's \s does. */
const PY_SPACE = ['\t', '\n', '\v', '\f', '\r', '\x1c', '\x1d', '\x1e', '\x1f', ' ', '\x85', '\xa0', '\u1680', '\u2000', '\u2005', '\u200a', '\u2028', '\u2029', '\u202f', '\u205f', '\u3000'];
const NOT_PY_SPACE = ['\ufeff', '\u200b', '\u180e', '\x00'];
const OTHER = ['*', '2', 'x', 'é', '{', '"', '\u{1F600}', '\ud800'];

const char = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...PY_SPACE) }, fc.constantFrom(...NOT_PY_SPACE), { weight: 3, arbitrary: fc.constantFrom(...OTHER) }, fc.string({ unit: 'binary', maxLength: 1 }));
const text = fc.array(char, { maxLength: 24 }).map((cs) => cs.join(''));

describe(`spacewar's split, property-based (seed ${SEED})`, () => {
  it('splits text exactly as Python str.split(None, 1)', () => {
    const inputs = samples(text, 2000);
    // JSON carries lone surrogates as \\ud800 escapes, which Python reads back as the same code unit.
    const theirs = python<string[][]>('import json,sys; print(json.dumps([s.split(None, 1) for s in json.load(sys.stdin)]))', inputs);
    for (const [i, input] of inputs.entries()) {
      const parts = theirs[i]!;
      expect(splitTwo(input), JSON.stringify(input)).toEqual(parts.length === 2 ? parts : undefined);
    }
  });

  it('splits bytes in two exactly when Python bytes.split(None, 1) does', () => {
    const bytes = fc.array(fc.oneof(fc.constantFrom(9, 10, 11, 12, 13, 32, 0x1c, 0x85, 0xa0), fc.integer({ min: 0, max: 255 })), { maxLength: 24 });
    const inputs = samples(bytes, 2000);
    const theirs = python<boolean[]>('import json,sys; print(json.dumps([len(bytes(b).split(None, 1)) == 2 for b in json.load(sys.stdin)]))', inputs);
    for (const [i, input] of inputs.entries()) expect(bytesSplitInTwo(Buffer.from(input)), JSON.stringify(input)).toBe(theirs[i]);
  });

  it('takes time linear in the frame: a 1 MiB frame of whitespace and words is split in one pass', () => {
    fc.assert(
      fc.property(fc.constantFrom(...PY_SPACE), fc.constantFrom(...NOT_PY_SPACE, 'a'), (space, other) => {
        const big = (space + other).repeat(512 * 1024);
        const parts = splitTwo(big);
        expect(parts === undefined || parts[0].length + parts[1].length < big.length).toBe(true);
      }),
      { seed: SEED, numRuns: 20 },
    );
  });
});
