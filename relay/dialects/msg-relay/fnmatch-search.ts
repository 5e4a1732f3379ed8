import { ANY, matchesOne, type CharClass, type Element } from './fnmatch-class.js';

/**
 * Finding a fixed run of a glob (what stands between two stars) in a name, at its leftmost
 * place, in one pass over the name: a run of literals by Knuth-Morris-Pratt (linear in the name
 * and the run), any other by Shift-And, which advances every partial match at once, 32 of them
 * per machine word (the name's length times the run's over 32, where trying each place in turn
 * would take the full product).
 */

/** A run with `?` or a class, taken apart so that the positions a code point can take are quick to list. */
interface Positions {
  /** Bits of the `?` positions, which take any code point. */
  any: Uint32Array;
  /** Positions of each literal. */
  literals: Map<number, number[]>;
  classes: { at: number; cls: CharClass }[];
}

export interface Run {
  elements: Element[];
  /** The KMP failure table of a run of literals. */
  failure?: Int32Array;
  /** For Shift-And, any other run. */
  positions?: Positions;
}

/**
 * The masks one search keeps, in 32-bit words (4 MiB): a name with more distinct code points
 * has the rest worked out each time they occur.
 */
const MASK_WORDS_KEPT = 1 << 20;

function positionsOf(elements: Element[]): Positions {
  const p: Positions = { any: new Uint32Array((elements.length + 31) >>> 5), literals: new Map(), classes: [] };
  elements.forEach((e, at) => {
    if (e === ANY) p.any[at >>> 5]! |= 1 << (at & 31);
    else if (typeof e === 'number') {
      const list = p.literals.get(e);
      if (list) list.push(at);
      else p.literals.set(e, [at]);
    } else p.classes.push({ at, cls: e });
  });
  return p;
}

export function prepareRun(elements: Element[]): Run {
  if (!elements.every((e) => typeof e === 'number')) return { elements, positions: positionsOf(elements) };
  const run = elements as number[];
  const failure = new Int32Array(run.length);
  for (let i = 1, k = 0; i < run.length; i++) {
    while (k > 0 && run[i] !== run[k]) k = failure[k - 1]!;
    if (run[i] === run[k]) k++;
    failure[i] = k;
  }
  return { elements, failure };
}

/** At most how many steps find() takes: `perCodePoint` for each code point of the name, and `fixed` once. */
export interface Steps {
  perCodePoint: number;
  fixed: number;
}

/**
 * The steps of find() for a run: one a code point and the run's length for KMP; for Shift-And,
 * each code point's words of state and, were no mask kept, the making of its mask (its words,
 * the literal positions, and each class's ranges tried).
 */
export function searchSteps(run: Run): Steps {
  if (!run.positions) return { perCodePoint: 1, fixed: run.elements.length };
  const words = (run.elements.length + 31) >>> 5;
  let mask = 2 * words;
  for (const at of run.positions.literals.values()) mask += at.length;
  for (const { cls } of run.positions.classes) mask += 1 + cls.ranges.length;
  return { perCodePoint: mask, fixed: 0 };
}

/** Whether the run matches the name at `at` (the caller checks that it fits). */
export function runAt(elements: Element[], name: Int32Array, at: number): boolean {
  for (let k = 0; k < elements.length; k++) if (!matchesOne(elements[k]!, name[at + k]!)) return false;
  return true;
}

/** The leftmost place at or after `from` where the run matches, or -1. */
export function find(run: Run, name: Int32Array, from: number): number {
  return run.failure ? findLiterals(run.elements as number[], run.failure, name, from) : findShiftAnd(run, name, from);
}

function findLiterals(run: number[], failure: Int32Array, name: Int32Array, from: number): number {
  for (let i = from, k = 0; i < name.length; i++) {
    while (k > 0 && name[i] !== run[k]) k = failure[k - 1]!;
    if (name[i] === run[k]) k++;
    if (k === run.length) return i - run.length + 1;
  }
  return -1;
}

/** The positions of the run that code point c can take, as bits. */
function maskOf(p: Positions, c: number): Uint32Array {
  const mask = Uint32Array.from(p.any);
  for (const at of p.literals.get(c) ?? []) mask[at >>> 5]! |= 1 << (at & 31);
  for (const { at, cls } of p.classes) if (matchesOne(cls, c)) mask[at >>> 5]! |= 1 << (at & 31);
  return mask;
}

/** Bit k of the state says the run's first k+1 elements match the name up to here. */
function findShiftAnd(run: Run, name: Int32Array, from: number): number {
  const m = run.elements.length;
  const words = (m + 31) >>> 5;
  const state = new Uint32Array(words);
  const topWord = (m - 1) >>> 5;
  const topBit = 1 << ((m - 1) & 31);
  const masks = new Map<number, Uint32Array>();
  for (let i = from; i < name.length; i++) {
    const c = name[i]!;
    let mask = masks.get(c);
    if (!mask) {
      mask = maskOf(run.positions!, c);
      if (masks.size * words < MASK_WORDS_KEPT) masks.set(c, mask);
    }
    let carry = 1;
    for (let w = 0; w < words; w++) {
      const d = state[w]!;
      state[w] = ((d << 1) | carry) & mask[w]!;
      carry = d >>> 31;
    }
    if (state[topWord]! & topBit) return i - m + 1;
  }
  return -1;
}
