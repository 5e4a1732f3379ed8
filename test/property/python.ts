import { execFileSync } from 'node:child_process';
import fc from 'fast-check';

/**
 * Debian's /usr/bin/python3 (not whichever python3 is first on PATH) as the reference the
 * originals ran on: a script reads one JSON value on stdin and prints one JSON value.
 */
export function python<T>(script: string, input: unknown): T {
  const out = execFileSync('/usr/bin/python3', ['-c', script], { input: JSON.stringify(input), timeout: 20_000, maxBuffer: 64 * 1024 * 1024 });
  return JSON.parse(out.toString()) as T;
}

/** FAST_CHECK_SEED=n replays a run; each test names its seed when it fails. */
export const SEED = Number(process.env.FAST_CHECK_SEED ?? Date.now() % 2 ** 31);

/**
 * `runs` values of `arb` from the seed, for properties checked against Python in one batch
 * (one interpreter for all of them, rather than one per case).
 */
export const samples = <T>(arb: fc.Arbitrary<T>, runs: number): T[] => fc.sample(arb, { seed: SEED, numRuns: runs });
