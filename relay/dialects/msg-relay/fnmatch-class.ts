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

export const BANG = 0x21;
const HYPHEN = 0x2d;
const CLOSE = 0x5d;

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
 * The members of `[...]`, as Python builds them: it cuts the text at each `-` that can make a
 * range (not the first character, nor one right after a range), drops the ranges whose ends are
 * reversed together with both ends, and a trailing `-` is a member. `body` excludes the `!`.
 */
function classRanges(body: number[], negated: boolean): [number, number][] | 'never' | 'any' {
  const chunks: number[][] = [];
  let i = 0;
  // Python looks for the first `-` from the second character after `[` (or after `[!`).
  let k = 1;
  for (;;) {
    let at = -1;
    for (let s = k; s < body.length; s++)
      if (body[s] === HYPHEN) {
        at = s;
        break;
      }
    if (at < 0) break;
    chunks.push(body.slice(i, at));
    i = at + 1;
    k = at + 3;
  }
  const last = body.slice(i);
  if (chunks.length === 0) chunks.push(last);
  else if (last.length > 0) chunks.push(last);
  else chunks[chunks.length - 1]!.push(HYPHEN);
  // With `!`, Python's first chunk starts with it, and a chunk of just `!` compares it like any member.
  if (negated) chunks[0]!.unshift(BANG);
  for (let c = chunks.length - 1; c > 0; c--) {
    const before = chunks[c - 1]!;
    const after = chunks[c]!;
    if (before[before.length - 1]! > after[0]!) {
      chunks[c - 1] = [...before.slice(0, -1), ...after.slice(1)];
      chunks.splice(c, 1);
    }
  }
  if (negated) chunks[0]!.shift();
  // Joined by `-`, each chunk's last member and the next chunk's first make a range.
  const ranges: [number, number][] = [];
  chunks.forEach((chunk, c) => {
    for (let m = 0; m < chunk.length; m++) {
      const opensRange = m === chunk.length - 1 && c < chunks.length - 1;
      const closesRange = m === 0 && c > 0;
      if (closesRange) continue;
      if (opensRange) ranges.push([chunk[m]!, chunks[c + 1]![0]!]);
      else ranges.push([chunk[m]!, chunk[m]!]);
    }
  });
  if (ranges.length === 0) return negated ? 'any' : 'never';
  return ranges;
}

/** Reads `[...]` at pattern[start] (the `[`); returns the element and the index after it, or undefined for a literal `[`. */
export function readClass(p: number[], start: number): [Element | 'never', number] | undefined {
  let j = start + 1;
  if (p[j] === BANG) j++;
  if (p[j] === CLOSE) j++;
  while (j < p.length && p[j] !== CLOSE) j++;
  if (j >= p.length) return undefined;
  const negated = p[start + 1] === BANG;
  const body = p.slice(negated ? start + 2 : start + 1, j);
  const ranges = classRanges(body, negated);
  const element: Element | 'never' = ranges === 'any' ? ANY : ranges === 'never' ? 'never' : { negated, ranges };
  return [element, j + 1];
}

