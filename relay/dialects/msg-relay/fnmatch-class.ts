/**
 * What one code point of a glob can be (a literal, `?`, or a class), and how Python 3.11's
 * fnmatch.translate() reads a class: the text between `[` and `]`, with `!` for negation.
 */

export const ANY = 'any';

export interface CharClass {
  negated: boolean;
  /** Inclusive code point ranges; a single member is [c, c]. */
  ranges: [number, number][];
}

/** One code point of a fixed run between stars. */
export type Element = number | typeof ANY | CharClass;

const BANG = 0x21;
const HYPHEN = 0x2d;
const CLOSE = 0x5d;
/** Not a code point: where a `-` joins two chunks of a class into a range. */
const RANGE = -1;

export function matchesOne(e: Element, c: number): boolean {
  if (typeof e === 'number') return e === c;
  if (e === ANY) return true;
  let inside = false;
  for (const [lo, hi] of e.ranges)
    if (c >= lo && c <= hi) {
      inside = true;
      break;
    }
  return inside !== e.negated;
}

/**
 * What `[stuff]` matches, read as Python 3.11's translate() reads it (`stuff` is the text between
 * the brackets, `!` included). It cuts the text at each `-` that can make a range (not the first
 * character, nor one right after a range), drops each reversed range with both its ends, and a
 * trailing `-` is a member. Only then does it look for `!`: so `[z-a!b]`, whose reversed range
 * is dropped, is read as `[!b]`, and what is left of `[!z-a]` or `[[--!]` is `!`, any character.
 * The rest is a regex class: `-` between two members makes a range, elsewhere it is a member.
 */
function readStuff(stuff: number[]): Element | 'never' {
  // Each member, with `RANGE` where an unescaped `-` joins two chunks.
  const tokens: number[] = [];
  if (!stuff.includes(HYPHEN)) tokens.push(...stuff);
  else {
    const chunks: number[][] = [];
    let i = 0;
    let k = stuff[0] === BANG ? 2 : 1;
    for (;;) {
      const at = stuff.indexOf(HYPHEN, k);
      if (at < 0) break;
      chunks.push(stuff.slice(i, at));
      i = at + 1;
      k = at + 3;
    }
    const last = stuff.slice(i);
    if (last.length > 0) chunks.push(last);
    else chunks[chunks.length - 1]!.push(HYPHEN);
    for (let c = chunks.length - 1; c > 0; c--) {
      const before = chunks[c - 1]!;
      const after = chunks[c]!;
      if (before[before.length - 1]! > after[0]!) {
        chunks[c - 1] = [...before.slice(0, -1), ...after.slice(1)];
        chunks.splice(c, 1);
      }
    }
    chunks.forEach((chunk, c) => {
      if (c > 0) tokens.push(RANGE);
      tokens.push(...chunk);
    });
  }
  if (tokens.length === 0) return 'never';
  if (tokens.length === 1 && tokens[0] === BANG) return ANY;
  const negated = tokens[0] === BANG;
  const ranges: [number, number][] = [];
  const member = (t: number): number => (t === RANGE ? HYPHEN : t);
  for (let t = negated ? 1 : 0; t < tokens.length; ) {
    const lo = member(tokens[t]!);
    if (tokens[t + 1] === RANGE && t + 2 < tokens.length) {
      const hi = member(tokens[t + 2]!);
      // Python's re refuses such a range; nothing the relay matches it with can be in it.
      if (lo <= hi) ranges.push([lo, hi]);
      t += 3;
    } else {
      ranges.push([lo, lo]);
      t += 1;
    }
  }
  return { negated, ranges };
}

/** Reads `[...]` at pattern[start] (the `[`); returns the element and the index after it, or undefined for a literal `[`. */
export function readClass(p: number[], start: number): [Element | 'never', number] | undefined {
  let j = start + 1;
  if (p[j] === BANG) j++;
  if (p[j] === CLOSE) j++;
  while (j < p.length && p[j] !== CLOSE) j++;
  if (j >= p.length) return undefined;
  return [readStuff(p.slice(start + 1, j)), j + 1];
}

