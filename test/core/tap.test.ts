import { describe, expect, it } from 'vitest';
import { PREVIEW_BYTES, TrafficTap, type NewRecord } from '../../relay/core/tap.js';

const message = (n: number): NewRecord => ({ kind: 'message', protocol: 'msg-relay', room: 'g', from: `a${n}`, to: n % 2 ? null : 'b', recipients: n, size: n * 10, frame: `m${n}` });

describe('traffic tap', () => {
  it('reads back every field of what was pushed, in order, with seq and time', () => {
    const tap = new TrafficTap(8);
    const before = Date.now();
    tap.push(message(1));
    tap.push({ kind: 'close', protocol: 'spacewar', room: null, from: 'relay', to: '3', recipients: 0, size: 0, frame: '', code: 1013, reason: 'send queue full' });
    tap.push({ kind: 'drop', protocol: 'spacewar', room: 'r', from: 'relay', to: '4', recipients: 0, size: 2, frame: Buffer.from('hi'), code: 1000 });
    const { records, skipped, next } = tap.read(1);
    expect(skipped).toBe(0);
    expect(next).toBe(4);
    for (const r of records) expect(r.ts).toBeGreaterThanOrEqual(before);
    expect(records.map(({ ts: _ts, ...r }) => r)).toEqual([
      { seq: 1, kind: 'message', protocol: 'msg-relay', room: 'g', from: 'a1', to: null, recipients: 1, size: 10, preview: 'm1' },
      { seq: 2, kind: 'close', protocol: 'spacewar', room: null, from: 'relay', to: '3', recipients: 0, size: 0, preview: '', code: 1013, reason: 'send queue full' },
      { seq: 3, kind: 'drop', protocol: 'spacewar', room: 'r', from: 'relay', to: '4', recipients: 0, size: 2, preview: 'hi', code: 1000, reason: '' },
    ]);
  });

  it('tells a reader that fell behind how many records it missed, and reads from a cursor', () => {
    const tap = new TrafficTap(4);
    for (let n = 1; n <= 10; n++) tap.push(message(n));
    const late = tap.read(2);
    expect(late.skipped).toBe(5);
    expect(late.records.map((r) => r.preview)).toEqual(['m7', 'm8', 'm9', 'm10']);
    expect(tap.read(9, 1)).toMatchObject({ skipped: 0, next: 10, records: [{ seq: 9, from: 'a9', to: null, recipients: 9, size: 90, preview: 'm9' }] });
    expect(tap.read(tap.head).records).toEqual([]);
  });

  it('keeps the start of a long frame, cut between characters, from text or bytes', () => {
    const tap = new TrafficTap(4);
    const euros = '\u20ac'.repeat(200); // 3 bytes each: 510 of them fit
    const record = (frame: string | Buffer): void => void tap.push({ ...message(1), frame });
    record(euros);
    record(Buffer.from(euros));
    record('x'.repeat(4096));
    record(Buffer.from('\u20ac'.repeat(100)));
    const [a, b, c, d] = tap.read(1).records.map((r) => r.preview);
    expect(a).toBe('\u20ac'.repeat(170));
    expect(b).toBe('\u20ac'.repeat(170));
    expect(c).toBe('x'.repeat(PREVIEW_BYTES));
    expect(d).toBe('\u20ac'.repeat(100));
  });
});
