import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fnmatch } from '../../relay/dialects/msg-relay/fnmatch.js';

const NAMES = ['client-1', 'client-2', 'CLIENT-3', 'tech', 'a]b', 'a[b', '[x', 'a-b', 'z', 'line\nbreak', '', 'ñandú', '😀x', 'a*b', '!x', '^x', 'b'];
const PATTERNS = [
  '*', '', '?', 'client-?', 'CLIENT*', 'client-[12]', 'client-[!1]', '[]]', 'a[]]b', '[!]]', '[a-c]', '[z-a]', '[az-ab]',
  '[-a]', '[a-]', 'a[', '[', '[!', '[!]', 'a[[]b', '*b', 'line*', '?x', '[!a-y]', 'a\\*b', 'a[*]b', '[!!]x', '[^x]x', '\\', '.*', 'a-b', '[a-c-e]', '*-*',
];

/** Python's answers for many pairs from one interpreter: true, false, or the error fnmatch raised. */
const PYTHON = `import fnmatch, json, sys
out = []
for name, pat in json.load(sys.stdin):
    try:
        out.append(fnmatch.fnmatchcase(name, pat))
    except Exception as e:
        out.append(type(e).__name__)
print(json.dumps(out))`;

function python(pairs: readonly (readonly [string, string])[]): (boolean | string)[] {
  // Debian's python3, as the originals ran it; the first python3 on PATH may be another build.
  const out = execFileSync('/usr/bin/python3', ['-c', PYTHON], { input: JSON.stringify(pairs), maxBuffer: 64 * 1024 * 1024 });
  return JSON.parse(out.toString()) as (boolean | string)[];
}

/** The first pair where the two disagree, to show when the property fails. */
function disagreement(pairs: readonly (readonly [string, string])[]): string | undefined {
  const theirs = python(pairs);
  const at = pairs.findIndex(([name, pat], i) => fnmatch(name, pat) !== theirs[i]);
  if (at < 0) return undefined;
  const [name, pat] = pairs[at]!;
  return `pattern ${JSON.stringify(pat)} on ${JSON.stringify(name.slice(0, 80))} (${name.length} chars): Python ${String(theirs[at])}`;
}

/** Characters that mean something in a pattern, and a few plain ones, so that matches are common. */
const SPECIAL = ['*', '?', '[', ']', '!', '-', '^', '\\', '&', '~', '|'];
const PLAIN = ['a', 'b', 'z', 'A', '0', '\n', ' ', 'é', 'ž', '😀', '\ud800'];
const char = fc.constantFrom(...SPECIAL, ...PLAIN);
const plainChar = fc.constantFrom(...PLAIN, ']', '-', '!', '^', '[');

/** A pattern built from pieces: stars, `?`, literals and classes with ranges, negation and odd members. */
const piece = fc.oneof(
  fc.constant('*'),
  fc.constant('?'),
  plainChar,
  fc.array(char, { maxLength: 6 }).map((body) => `[${body.join('')}]`),
  fc.array(char, { maxLength: 6 }).map((body) => `[!${body.join('')}`),
  fc.tuple(plainChar, plainChar).map(([lo, hi]) => `[${lo}-${hi}]`),
);
const pattern = fc.array(piece, { maxLength: 12 }).map((p) => p.join(''));
const name = fc.array(plainChar, { maxLength: 16 }).map((n) => n.join(''));
/** A name up to 64 KiB: a short unit repeated, then a short tail, so long names still hold near matches. */
const longName = fc.tuple(fc.array(plainChar, { minLength: 1, maxLength: 4 }), fc.integer({ min: 1, max: 16 * 1024 }), fc.array(plainChar, { maxLength: 4 })).map(
  ([unit, times, tail]) => unit.join('').repeat(times).slice(0, 64 * 1024) + tail.join(''),
);
/** Many stars between short fixed runs, the shape that made the regex backtrack. */
const starry = fc
  .tuple(fc.array(fc.oneof(plainChar, fc.constant('?'), fc.tuple(plainChar, plainChar).map(([a, b]) => `[${a}${b}]`)), { minLength: 1, maxLength: 40 }), fc.boolean())
  .map(([parts, open]) => '*' + parts.join('*') + (open ? '*' : ''));

describe("meta_filter matches exactly like Python's fnmatch", () => {
  it('agrees with /usr/bin/python3 on every name and pattern', () => {
    const script = 'import fnmatch, json, sys\nnames, pats = json.load(sys.stdin)\nprint(json.dumps([[fnmatch.fnmatch(n, p) for n in names] for p in pats]))';
    const python: boolean[][] = JSON.parse(execFileSync('/usr/bin/python3', ['-c', script], { input: JSON.stringify([NAMES, PATTERNS]) }).toString());
    const ours = PATTERNS.map((p) => NAMES.map((n) => fnmatch(n, p)));
    expect(ours).toEqual(python);
    // The table is not trivial: both outcomes occur.
    expect(ours.flat()).toContain(true);
    expect(ours.flat()).toContain(false);
  });

  it('agrees with Python on generated patterns and names, batched into one interpreter per run', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(name, pattern), { minLength: 300, maxLength: 300 }), (pairs) => {
        expect(disagreement(pairs)).toBeUndefined();
      }),
      { numRuns: 10, endOnFailure: true },
    );
  });

  it('agrees with Python on patterns with many stars and classes over names up to 64 KiB', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(longName, fc.oneof(starry, pattern)), { minLength: 20, maxLength: 20 }), (pairs) => {
        expect(disagreement(pairs)).toBeUndefined();
      }),
      { numRuns: 8, endOnFailure: true },
    );
  });

  it('finds both answers among the generated pairs, so the comparison is not vacuous', () => {
    const pairs = fc.sample(fc.tuple(name, pattern), { numRuns: 2000, seed: 14 });
    const answers = new Set(pairs.map(([n, p]) => fnmatch(n, p)));
    expect(answers).toEqual(new Set([true, false]));
  });
});
