import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonDepth, nestsDeeper } from '../../relay/dialects/json-depth.js';
import { SEED } from './python.js';

/** How deeply a parsed value nests arrays and objects: the oracle the text scan must agree with. */
function depthOf(value: unknown): number {
  if (value === null || typeof value !== 'object') return 0;
  const children = Array.isArray(value) ? value : Object.values(value);
  return 1 + children.reduce<number>((most, v) => Math.max(most, depthOf(v)), 0);
}

/** Strings whose quotes, backslashes and brackets are what a text scan could misread. */
const tricky = fc.array(fc.constantFrom('"', '\\', '[', ']', '{', '}', 'a', 'é', '\u2028', '\\"', '\\\\'), { maxLength: 12 }).map((parts) => parts.join(''));
const value = fc.letrec((tie) => ({
  node: fc.oneof({ maxDepth: 6 }, tricky, fc.integer(), fc.constant(null), fc.array(tie('node'), { maxLength: 4 }), fc.dictionary(tricky, tie('node'), { maxKeys: 3 })),
})).node;

describe('jsonDepth, the nesting check every JSON frame passes before it is parsed', () => {
  it('agrees with the parsed value on text and on UTF-8 bytes, whatever the strings hold', () => {
    fc.assert(
      fc.property(value, (v) => {
        const text = JSON.stringify(v);
        expect(jsonDepth(text)).toBe(depthOf(v));
        expect(jsonDepth(Buffer.from(text))).toBe(depthOf(v));
      }),
      { seed: SEED, numRuns: 2000 },
    );
  });

  it('reads a quote after an even run of backslashes as the end of the string, after an odd run as part of it', () => {
    expect(jsonDepth(String.raw`["\\", [1]]`)).toBe(2);
    expect(jsonDepth(String.raw`["\\\"[[[", [1]]`)).toBe(2);
    expect(jsonDepth(String.raw`["\\\\\\", [[1]]]`)).toBe(3);
    // An unterminated string hides everything after it, as a parser would refuse it anyway.
    expect(jsonDepth('["abc [[[[')).toBe(1);
  });

  it('stops counting past the bound and never counts what a long string holds', () => {
    const deep = '['.repeat(2000) + ']'.repeat(2000);
    expect(jsonDepth(deep, 980)).toBe(981);
    expect(nestsDeeper(deep, 980)).toBe(true);
    expect(nestsDeeper(`{"d":"${'['.repeat(100_000)}"}`, 980)).toBe(false);
  });
});
