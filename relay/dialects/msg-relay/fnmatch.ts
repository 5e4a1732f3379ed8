import { ANY, readClass, type Element } from './fnmatch-class.js';
import { find, prepareRun, runAt, searchSteps, type Run, type Steps } from './fnmatch-search.js';

/**
 * Python's fnmatch.fnmatchcase, which the original relay uses for meta_filter (POSIX fnmatch is
 * case-sensitive): `*`, `?`, `[seq]` and `[!seq]`, matching the whole string, newlines included,
 * one code point per `?` or class. A `[` without a closing `]` is a literal, a `]` right after
 * `[` or `[!` is a member, and ranges are read exactly as Python 3.11's translate() reads them
 * (reversed ranges dropped, `-` first or last a member).
 *
 * No regular expression: Python's translate() turns every `*` but the last into an atomic
 * `(?>.*?fixed)`, which commits to the leftmost place the next fixed run matches and never
 * backtracks across a star. Matched that way, run by run, each run is looked for once from
 * where the last one ended (fnmatch-search.ts), where a backtracking regex grew with every star.
 */

interface Compiled {
  /** What comes before the first star, anchored at the start. */
  head: Element[];
  /** The runs after each star (the last is empty when the pattern ends with one); undefined without a star. */
  afterStars: Run[] | undefined;
  /** At most how many steps a match takes (matchSteps), worked out once with the pattern. */
  steps: Steps;
}

/** Reading the name's code points, the head, and each run's search. */
function stepsOf(head: Element[], afterStars: Run[] | undefined): Steps {
  if (!afterStars) return { perCodePoint: 1, fixed: 0 };
  const steps = { perCodePoint: 1, fixed: head.length };
  for (const run of afterStars) {
    const s = searchSteps(run);
    steps.perCodePoint += s.perCodePoint;
    steps.fixed += s.fixed;
  }
  return steps;
}

const STAR = 0x2a;
const QUESTION = 0x3f;
const OPEN = 0x5b;

/** A string's code points, as Python indexes a str (a lone surrogate is one). */
function codePoints(text: string): Int32Array {
  const out = new Int32Array(text.length);
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const next = text.charCodeAt(i + 1);
    if (c >= 0xd800 && c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
      out[n++] = ((c - 0xd800) << 10) + (next - 0xdc00) + 0x10000;
      i++;
    } else out[n++] = c;
  }
  return out.subarray(0, n);
}

/** A pattern of stars alone matches every name: the common `*`, answered without reading the name. */
const EVERYTHING = 'everything';

function compile(pattern: string): Compiled | 'never' | typeof EVERYTHING {
  if (pattern.length > 0 && /^\*+$/.test(pattern)) return EVERYTHING;
  const p = Array.from(codePoints(pattern));
  const head: Element[] = [];
  const runs: Element[][] = [];
  let run = head;
  let stars = false;
  for (let i = 0; i < p.length; ) {
    const c = p[i]!;
    if (c === STAR) {
      // Consecutive stars are one.
      if (!stars || run.length > 0) runs.push((run = []));
      stars = true;
      i++;
    } else if (c === QUESTION) {
      run.push(ANY);
      i++;
    } else if (c === OPEN) {
      const cls = readClass(p, i);
      if (!cls) {
        run.push(OPEN);
        i++;
        continue;
      }
      // An empty class is Python's (?!): wherever it stands, the pattern matches nothing.
      if (cls[0] === 'never') return 'never';
      run.push(cls[0]);
      i = cls[1];
    } else {
      run.push(c);
      i++;
    }
  }
  const afterStars = stars ? runs.map(prepareRun) : undefined;
  return { head, afterStars, steps: stepsOf(head, afterStars) };
}

function matchCompiled({ head, afterStars }: Compiled, name: Int32Array): boolean {
  if (!afterStars) return name.length === head.length && runAt(head, name, 0);
  if (head.length > name.length || !runAt(head, name, 0)) return false;
  let pos = head.length;
  const last = afterStars.length - 1;
  // Every run between two stars: its leftmost place, never revisited (Python's atomic group).
  for (let r = 0; r < last; r++) {
    const at = find(afterStars[r]!, name, pos);
    if (at < 0) return false;
    pos = at + afterStars[r]!.elements.length;
  }
  // The run after the last star ends the name: `.*fixed\Z`.
  const tail = afterStars[last]!.elements;
  const at = name.length - tail.length;
  return at >= pos && runAt(tail, name, at);
}

const cache = new Map<string, ReturnType<typeof compile>>();
const CACHE_MAX = 256;

function compiledOf(pattern: string): ReturnType<typeof compile> {
  let c = cache.get(pattern);
  if (c === undefined) {
    if (cache.size >= CACHE_MAX) cache.clear();
    c = compile(pattern);
    cache.set(pattern, c);
  }
  return c;
}

/**
 * At most how many steps matching the pattern against a name of `length` UTF-16 units takes:
 * reading the name's code points, then each run's search (fnmatch-search.ts). Linear in the name
 * for runs of literals; a run with `?` or classes costs the name's length times its own size
 * over 32 and its classes, which is what a caller bounds before matching many names.
 */
export function matchSteps(pattern: string, length: number): number {
  const c = compiledOf(pattern);
  if (c === EVERYTHING || c === 'never') return 0;
  return length * c.steps.perCodePoint + c.steps.fixed;
}

export function fnmatch(name: string, pattern: string): boolean {
  const c = compiledOf(pattern);
  if (c === EVERYTHING) return true;
  return c !== 'never' && matchCompiled(c, codePoints(name));
}
