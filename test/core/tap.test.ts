import { describe, expect, it } from 'vitest';
import { LISTED_RECIPIENTS, PREVIEW_BYTES, TrafficTap, type NewRecord, type TapOptions } from '../../relay/core/tap.js';

const message = (n: number): NewRecord => ({ kind: 'message', protocol: 'msg-relay', room: 'g', from: `a${n}`, to: n % 2 ? null : 'b', recipients: n, size: `m${n}`.length, frame: `m${n}` });
const tap = (o: Partial<TapOptions> = {}): TrafficTap => new TrafficTap({ capacity: 8, frameBytes: 1024 * 1024, budgetBytes: 4 * 1024 * 1024, ...o });
const frameOf = (frame: string | Buffer): NewRecord => ({ ...message(1), size: typeof frame === 'string' ? Buffer.byteLength(frame) : frame.length, frame });

describe('traffic tap', () => {
  it('reads back every field of what was pushed, in order, with seq and time', () => {
    const t = tap();
    const before = Date.now();
    t.push(message(1));
    t.push({ kind: 'close', protocol: 'spacewar', room: null, from: 'relay', to: '3', recipients: 0, size: 0, frame: '', code: 1013, reason: 'send queue full' });
    t.push({ kind: 'drop', protocol: 'spacewar', room: 'r', from: 'relay', to: '4', recipients: 0, size: 2, frame: Buffer.from('hi'), code: 1000 });
    const { records, skipped, next } = t.read(1);
    expect(skipped).toBe(0);
    expect(next).toBe(4);
    for (const r of records) expect(r.ts).toBeGreaterThanOrEqual(before);
    expect(records.map(({ ts: _ts, ...r }) => r)).toEqual([
      { seq: 1, kind: 'message', protocol: 'msg-relay', room: 'g', from: 'a1', to: null, recipients: 1, size: 2, preview: 'm1' },
      { seq: 2, kind: 'close', protocol: 'spacewar', room: null, from: 'relay', to: '3', recipients: 0, size: 0, preview: '', code: 1013, reason: 'send queue full' },
      { seq: 3, kind: 'drop', protocol: 'spacewar', room: 'r', from: 'relay', to: '4', recipients: 0, size: 2, preview: 'hi', code: 1000, reason: '' },
    ]);
  });

  it('tells a reader that fell behind how many records it missed, and reads from a cursor', () => {
    const t = tap({ capacity: 4 });
    for (let n = 1; n <= 10; n++) t.push(message(n));
    const late = t.read(2);
    expect(late.skipped).toBe(5);
    expect(late.records.map((r) => r.preview)).toEqual(['m7', 'm8', 'm9', 'm10']);
    expect(t.read(9, 1)).toMatchObject({ skipped: 0, next: 10, records: [{ seq: 9, from: 'a9', to: null, recipients: 9, size: 2, preview: 'm9' }] });
    expect(t.read(t.head).records).toEqual([]);
  });

  it('previews the start of a long frame, cut between characters, from text or bytes', () => {
    const t = tap();
    const euros = '\u20ac'.repeat(200); // 3 bytes each: 170 of them fit in 512
    t.push(frameOf(euros));
    t.push(frameOf(Buffer.from(euros)));
    t.push(frameOf('x'.repeat(4096)));
    t.push(frameOf(Buffer.from('\u20ac'.repeat(100))));
    const [a, b, c, d] = t.read(1).records.map((r) => r.preview);
    expect(a).toBe('\u20ac'.repeat(170));
    expect(b).toBe('\u20ac'.repeat(170));
    expect(c).toBe('x'.repeat(PREVIEW_BYTES));
    expect(d).toBe('\u20ac'.repeat(100));
  });

  it('keeps each frame whole up to the per-frame cap, and marks a longer one truncated', () => {
    const t = tap({ frameBytes: 300 * 1024 });
    const big = JSON.stringify({ blob: 'é'.repeat(100 * 1024) }); // 200 KiB and more of UTF-8
    const seq = t.push(frameOf(big));
    expect(t.frame(seq)!.bytes.toString()).toBe(big);
    expect(t.get(seq)!.truncated).toBeUndefined();
    const over = t.push(frameOf('y'.repeat(400 * 1024)));
    const kept = t.frame(over)!;
    expect(kept).toMatchObject({ size: 400 * 1024, truncated: true });
    expect(kept.bytes.length).toBe(300 * 1024);
    expect(t.get(over)!.truncated).toBe(true);
    // A string is cut between characters, never inside one.
    const cut = t.push(frameOf('é'.repeat(200 * 1024)));
    expect(t.frame(cut)!.bytes.toString()).toBe('é'.repeat(150 * 1024));
  });

  it('lets the oldest records go when the byte budget is full, and keeps the frames it holds intact across the wrap', () => {
    const t = tap({ capacity: 1000, frameBytes: 1024 * 1024, budgetBytes: 1024 * 1024 });
    const frames: string[] = [];
    for (let n = 0; n < 40; n++) {
      const f = `${n}:`.padEnd(100 * 1024 + n * 37, String.fromCharCode(97 + (n % 26)));
      frames.push(f);
      t.push(frameOf(f));
    }
    expect(t.bytesHeld).toBeLessThanOrEqual(1024 * 1024);
    const { records, skipped } = t.read(1);
    expect(skipped).toBe(40 - records.length);
    expect(records.length).toBeGreaterThanOrEqual(8);
    expect(records.at(-1)!.seq).toBe(40);
    for (const r of records) expect(t.frame(r.seq)!.bytes.toString()).toBe(frames[r.seq - 1]);
    expect(t.frame(1)).toBeUndefined();
  });

  it('keeps a binary frame as bytes and previews it in hex', () => {
    const t = tap();
    const bytes = Buffer.from([0x00, 0xff, 0x10, 0x80, 0x41]);
    const seq = t.push({ ...frameOf(bytes), binary: true });
    expect(t.get(seq)).toMatchObject({ binary: true, preview: '00 ff 10 80 41' });
    expect(t.frame(seq)).toMatchObject({ binary: true, truncated: false });
    expect([...t.frame(seq)!.bytes]).toEqual([...bytes]);
  });

  it('keeps the recipients of a fan-out with its one record, and finds a peer among them', () => {
    const t = tap();
    const ids = Array.from({ length: 50 }, (_, k) => `p${k}`);
    const seq = t.push({ ...message(1), recipients: ids.length, recipientIds: ids });
    expect(t.get(seq)!.recipientIds).toEqual(ids.slice(0, LISTED_RECIPIENTS));
    expect(t.recipientsOf(seq)).toEqual(ids);
    expect(t.involves(seq, 'p49')).toBe(true);
    expect(t.involves(seq, 'a1')).toBe(true);
    expect(t.involves(seq, 'nobody')).toBe(false);
  });
});
