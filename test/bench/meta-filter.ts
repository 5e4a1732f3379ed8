import { performance } from 'node:perf_hooks';
import { fnmatch } from '../../relay/dialects/msg-relay/fnmatch.js';

/**
 * meta_filter matching on the largest metadata a peer may bring (64 KiB), with the patterns a
 * hostile client would pick: many stars over a name that nearly matches everywhere, classes,
 * `?` runs, and a long literal segment. Before the matcher stopped backtracking, the first
 * took hours.
 */

export interface MatchTiming {
  pattern: string;
  nameBytes: number;
  matched: boolean;
  runs: number;
  medianUs: number;
  maxUs: number;
}

const KIB64 = 64 * 1024;
const A = 'a'.repeat(KIB64);
const LONG_LITERAL = 'a'.repeat(KIB64 / 2) + 'b';

const CASES: { pattern: string; name: string; label?: string }[] = [
  { pattern: '*a*a*b', name: A },
  { pattern: '*a'.repeat(40) + '*b', name: A },
  { pattern: '*a?a*[ab]*a[!c]*'.repeat(10) + 'b', name: A },
  { pattern: '*' + '?'.repeat(1000) + 'b*', name: A },
  { pattern: `*${LONG_LITERAL}*`, name: A, label: '*(32 KiB of a, then b)*' },
  { pattern: `*[a]${'a'.repeat(2000)}b*`, name: A, label: '*[a](2,000 a)b*' },
  { pattern: '*', name: A },
];

/** Each pattern timed `runs` times (fewer when one run is slow), the whole loop bounded in time. */
export function benchMetaFilter(runs = 20, budgetMs = 20_000): MatchTiming[] {
  const deadline = performance.now() + budgetMs;
  return CASES.map(({ pattern, name, label }) => {
    const times: number[] = [];
    let matched = false;
    while (times.length < runs && (times.length === 0 || performance.now() < deadline)) {
      const t = performance.now();
      matched = fnmatch(name, pattern);
      times.push((performance.now() - t) * 1000);
    }
    times.sort((x, y) => x - y);
    return {
      pattern: label ?? (pattern.length > 60 ? `${pattern.slice(0, 57)}...` : pattern),
      nameBytes: Buffer.byteLength(name),
      matched,
      runs: times.length,
      medianUs: Math.round(times[Math.floor(times.length / 2)]!),
      maxUs: Math.round(times[times.length - 1]!),
    };
  });
}
