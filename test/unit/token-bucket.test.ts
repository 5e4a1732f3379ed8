import { describe, expect, it } from 'vitest';
import { TokenBucket } from '../../relay/core/limits.js';

describe('TokenBucket', () => {
  it('allows a burst, then refills at the rate and never above the burst', () => {
    const b = new TokenBucket(2, 3, 0);
    expect([b.take(0), b.take(0), b.take(0), b.take(0)]).toEqual([true, true, true, false]);
    // Half a second at 2 a second is one token.
    expect([b.take(500), b.take(500)]).toEqual([true, false]);
    // A long silence refills to the burst, not beyond.
    expect(Array.from({ length: 5 }, () => b.take(60_000))).toEqual([true, true, true, false, false]);
  });
});
