import type { ProtocolName } from '../config/schema.js';

/**
 * What one record of traffic is about:
 * - message: a client's frame, with how many peers received it (one record per fan-out);
 * - relay: a frame the relay made itself (ids, presence, replies, errors);
 * - operator: a frame injected from the console;
 * - drop: a frame that could not be delivered (recipient gone, queue full);
 * - open / close: a peer connected or its socket closed, with the code and reason.
 */
export type TrafficKind = 'message' | 'relay' | 'operator' | 'drop' | 'open' | 'close';

export interface TrafficRecord {
  seq: number;
  ts: number;
  kind: TrafficKind;
  protocol: ProtocolName;
  /** The room, group or channel, where the protocol has one. */
  room: string | null;
  /** Wire id of the sending peer, or "relay" / "operator". */
  from: string;
  /** Wire id of the one recipient, or null for a fan-out (see recipients). */
  to: string | null;
  recipients: number;
  size: number;
  /** The start of the frame as text. */
  preview: string;
  code?: number;
  reason?: string;
}

export type NewRecord = Omit<TrafficRecord, 'seq' | 'ts'>;

export const PREVIEW_CHARS = 512;

/**
 * The start of a frame, as a string of its own: a slice of a long string would keep the whole
 * frame alive in the ring buffer (V8 slices point into their parent), which at 4 KiB frames
 * multiplies the tap's memory and the garbage collector's work.
 */
export function preview(frame: string | Buffer): string {
  if (typeof frame === 'string') return frame.length > PREVIEW_CHARS ? Buffer.from(frame.slice(0, PREVIEW_CHARS)).toString('utf8') : frame;
  return frame.subarray(0, PREVIEW_CHARS).toString('utf8');
}

export interface TapRead {
  records: TrafficRecord[];
  /** Records that were overwritten before the reader got to them. */
  skipped: number;
  /** Where the next read should start. */
  next: number;
}

/**
 * A bounded ring buffer of traffic records. Writers never wait: readers keep their own cursor
 * and learn how many records they missed when they fall behind.
 */
export class TrafficTap {
  private readonly ring: (TrafficRecord | undefined)[];
  private nextSeq = 1;

  constructor(readonly capacity: number) {
    this.ring = new Array<TrafficRecord | undefined>(capacity);
  }

  /** The seq the next record will get: a reader starting here sees only new traffic. */
  get head(): number {
    return this.nextSeq;
  }

  push(rec: NewRecord): TrafficRecord {
    const full = rec as TrafficRecord;
    full.seq = this.nextSeq++;
    full.ts = Date.now();
    this.ring[full.seq % this.capacity] = full;
    return full;
  }

  read(from: number, max = this.capacity): TapRead {
    const oldest = Math.max(1, this.nextSeq - this.capacity);
    const start = Math.max(from, oldest);
    const skipped = start - from > 0 && from > 0 ? start - from : 0;
    const end = Math.min(this.nextSeq, start + max);
    const records: TrafficRecord[] = [];
    for (let seq = start; seq < end; seq++) records.push(this.ring[seq % this.capacity]!);
    return { records, skipped, next: end };
  }
}
