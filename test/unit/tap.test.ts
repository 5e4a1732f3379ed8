import { describe, expect, it } from 'vitest';
import { TrafficTap, type NewRecord } from '../../relay/core/tap.js';

const rec = (n: number): NewRecord => ({ kind: 'message', protocol: 'msg-relay', room: 'g', from: `p${n}`, to: null, recipients: 1, size: 1, preview: String(n) });

describe('the traffic tap', () => {
  it('gives a reader every record in order from its cursor', () => {
    const tap = new TrafficTap(8);
    const from = tap.head;
    for (let i = 0; i < 5; i++) tap.push(rec(i));
    const read = tap.read(from);
    expect(read.records.map((r) => r.preview)).toEqual(['0', '1', '2', '3', '4']);
    expect(read.skipped).toBe(0);
    expect(tap.read(read.next).records).toEqual([]);
  });

  it('overwrites the oldest records and tells a slow reader how many it missed', () => {
    const tap = new TrafficTap(4);
    const from = tap.head;
    for (let i = 0; i < 10; i++) tap.push(rec(i));
    const read = tap.read(from);
    expect(read.skipped).toBe(6);
    expect(read.records.map((r) => r.preview)).toEqual(['6', '7', '8', '9']);
  });

  it('reads at most max records and resumes where it stopped', () => {
    const tap = new TrafficTap(16);
    for (let i = 0; i < 10; i++) tap.push(rec(i));
    const first = tap.read(1, 3);
    expect(first.records.map((r) => r.seq)).toEqual([1, 2, 3]);
    expect(tap.read(first.next, 3).records.map((r) => r.seq)).toEqual([4, 5, 6]);
  });
});
