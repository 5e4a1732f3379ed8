/** A frame in one of the two sequences, by its place there (0-based). */
export interface Item {
  index: number;
  frame: string;
}

export interface Reordered {
  expectedIndex: number;
  receivedIndex: number;
  frame: string;
}

export interface SequenceDiff {
  missing: Item[];
  extra: Item[];
  reordered: Reordered[];
}

/** Above this many cells the middle is aligned by pairing equal frames instead of a full table. */
const MAX_TABLE_CELLS = 16_000_000;

/**
 * What a client received against what the capture says it was sent: frames missing, frames
 * extra, and frames that came in another order (in both, but outside the longest common
 * subsequence, paired by content).
 */
export function diffSequences(expected: readonly string[], received: readonly string[]): SequenceDiff {
  const matched = longestCommon(expected, received);
  const missing: Item[] = [];
  const extra: Item[] = [];
  for (let i = 0; i < expected.length; i++) if (!matched.expected.has(i)) missing.push({ index: i, frame: expected[i]! });
  for (let j = 0; j < received.length; j++) if (!matched.received.has(j)) extra.push({ index: j, frame: received[j]! });
  const reordered: Reordered[] = [];
  const extraByFrame = new Map<string, Item[]>();
  for (const e of extra) {
    const list = extraByFrame.get(e.frame);
    if (list) list.push(e);
    else extraByFrame.set(e.frame, [e]);
  }
  const paired = new Set<Item>();
  const stillMissing = missing.filter((m) => {
    const twin = extraByFrame.get(m.frame)?.shift();
    if (!twin) return true;
    paired.add(twin);
    reordered.push({ expectedIndex: m.index, receivedIndex: twin.index, frame: m.frame });
    return false;
  });
  return { missing: stillMissing, extra: extra.filter((e) => !paired.has(e)), reordered };
}

/** Indexes of a longest common subsequence: common prefix and suffix, then a table over the middle. */
function longestCommon(a: readonly string[], b: readonly string[]): { expected: Set<number>; received: Set<number> } {
  const ea = new Set<number>();
  const eb = new Set<number>();
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) {
    ea.add(start);
    eb.add(start);
    start++;
  }
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
    ea.add(endA);
    eb.add(endB);
  }
  const n = endA - start;
  const m = endB - start;
  if (n === 0 || m === 0) return { expected: ea, received: eb };
  if ((n + 1) * (m + 1) > MAX_TABLE_CELLS) {
    // Too long for the table: pair each frame's k-th occurrence on both sides, and keep the
    // longest run of pairs in the same order on both (a longest increasing subsequence).
    const at = new Map<string, number[]>();
    for (let j = start; j < endB; j++) {
      const list = at.get(b[j]!);
      if (list) list.push(j);
      else at.set(b[j]!, [j]);
    }
    const pairs: [number, number][] = [];
    for (let i = start; i < endA; i++) {
      const j = at.get(a[i]!)?.shift();
      if (j !== undefined) pairs.push([i, j]);
    }
    for (const k of increasingRun(pairs.map(([, j]) => j))) {
      ea.add(pairs[k]![0]);
      eb.add(pairs[k]![1]);
    }
    return { expected: ea, received: eb };
  }
  // lengths[i][j]: the LCS of a[start+i..] and b[start+j..].
  const width = m + 1;
  const lengths = new Uint32Array((n + 1) * width);
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--)
      lengths[i * width + j] = a[start + i] === b[start + j] ? lengths[(i + 1) * width + j + 1]! + 1 : Math.max(lengths[(i + 1) * width + j]!, lengths[i * width + j + 1]!);
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[start + i] === b[start + j]) {
      ea.add(start + i);
      eb.add(start + j);
      i++;
      j++;
    } else if (lengths[(i + 1) * width + j]! >= lengths[i * width + j + 1]!) i++;
    else j++;
  }
  return { expected: ea, received: eb };
}

/** Indexes of a longest strictly increasing subsequence of `xs` (patience sorting, n log n). */
function increasingRun(xs: readonly number[]): number[] {
  const tails: number[] = [];
  const before = new Array<number>(xs.length).fill(-1);
  for (let k = 0; k < xs.length; k++) {
    let lo = 0;
    let hi = tails.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (xs[tails[mid]!]! < xs[k]!) lo = mid + 1;
      else hi = mid;
    }
    if (lo > 0) before[k] = tails[lo - 1]!;
    tails[lo] = k;
  }
  const run: number[] = [];
  for (let k = tails.at(-1) ?? -1; k >= 0; k = before[k]!) run.push(k);
  return run.reverse();
}
