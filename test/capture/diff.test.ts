import { describe, expect, it } from 'vitest';
import { diffSequences } from '../../relay/replay/diff.js';

describe('diffSequences', () => {
  it('finds nothing between equal sequences', () => {
    expect(diffSequences(['a', 'b', 'c'], ['a', 'b', 'c'])).toEqual({ missing: [], extra: [], reordered: [] });
  });

  it('names a missing and an extra frame by their places', () => {
    expect(diffSequences(['a', 'b', 'c', 'd'], ['a', 'c', 'd', 'e'])).toEqual({ missing: [{ index: 1, frame: 'b' }], extra: [{ index: 3, frame: 'e' }], reordered: [] });
  });

  it('calls a frame that came at another place reordered, not missing and extra', () => {
    expect(diffSequences(['a', 'b', 'c', 'd'], ['a', 'c', 'b', 'd'])).toEqual({ missing: [], extra: [], reordered: [{ expectedIndex: 1, receivedIndex: 2, frame: 'b' }] });
  });

  it('counts repeated frames one by one', () => {
    expect(diffSequences(['x', 'x', 'x'], ['x', 'x'])).toEqual({ missing: [{ index: 2, frame: 'x' }], extra: [], reordered: [] });
  });

  it('compares long sequences whose middles differ without a table too large', () => {
    const expected = Array.from({ length: 6000 }, (_, i) => `f${i}`);
    const received = [...expected.slice(0, 100), ...expected.slice(100, 5900).reverse(), ...expected.slice(5900)];
    const d = diffSequences(expected, received);
    expect(d.missing).toEqual([]);
    expect(d.extra).toEqual([]);
    // One of the reversed block keeps its place; every other frame of it moved.
    expect(d.reordered.length).toBe(5799);
  });
});
