import type { ProtocolName } from '../config/schema.js';

/**
 * What one record of traffic is about:
 * - message: a client's frame, with how many peers received it (one record per fan-out);
 * - relay: a frame the relay made itself (ids, presence, replies, errors);
 * - operator: a frame injected from the console;
 * - drop: a frame that could not be delivered (recipient gone, queue full);
 * - open / close: a peer connected or its socket closed, with the code and reason.
 */
export const TRAFFIC_KINDS = ['message', 'relay', 'operator', 'drop', 'open', 'close'] as const;
export type TrafficKind = (typeof TRAFFIC_KINDS)[number];

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
  /** The start of the frame as text (PREVIEW_BYTES at most). */
  preview: string;
  code?: number;
  reason?: string;
}

/** What the hub records: a record's fields and the frame it is about, of which the tap keeps the start. */
export type NewRecord = Omit<TrafficRecord, 'seq' | 'ts' | 'preview'> & { frame: string | Buffer };

/** How much of each frame a record keeps, in bytes of UTF-8 (cut at a character boundary). */
export const PREVIEW_BYTES = 512;

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
 *
 * The ring keeps each field in its own column, previews as bytes in one buffer, and makes
 * record objects only when read. Every message adds a record, and records live for the whole
 * ring: kept as objects and strings, they were what each young-generation garbage collection
 * had to copy (3 ms pauses at 100k messages/s, against under 1 ms without them), and those
 * pauses were the relay's latency tail. The columns hold only numbers and strings the relay
 * keeps anyway (protocol, room and peer ids).
 */
export class TrafficTap {
  private readonly kinds: TrafficKind[];
  private readonly protocols: ProtocolName[];
  private readonly rooms: (string | null)[];
  private readonly froms: string[];
  private readonly tos: (string | null)[];
  /** PREVIEW_BYTES per slot; the length of each preview is with the numbers. */
  private readonly previews: Buffer;
  /** The close code's reason, or undefined when the record has no code. */
  private readonly reasons: (string | undefined)[];
  /** ts, recipients, size, code and preview length of each record, FIELDS numbers per slot. */
  private readonly numbers: Float64Array;
  private nextSeq = 1;

  constructor(readonly capacity: number) {
    const column = <T>(): T[] => new Array<T>(capacity);
    this.kinds = column();
    this.protocols = column();
    this.rooms = column();
    this.froms = column();
    this.tos = column();
    this.previews = Buffer.alloc(capacity * PREVIEW_BYTES);
    this.reasons = column();
    this.numbers = new Float64Array(capacity * FIELDS);
  }

  /** The seq the next record will get: a reader starting here sees only new traffic. */
  get head(): number {
    return this.nextSeq;
  }

  /** Adds a record; returns its seq. */
  push(rec: NewRecord): number {
    const seq = this.nextSeq++;
    const i = seq % this.capacity;
    this.kinds[i] = rec.kind;
    this.protocols[i] = rec.protocol;
    this.rooms[i] = rec.room;
    this.froms[i] = rec.from;
    this.tos[i] = rec.to;
    this.reasons[i] = rec.code === undefined ? undefined : (rec.reason ?? '');
    const n = i * FIELDS;
    this.numbers[n] = Date.now();
    this.numbers[n + 1] = rec.recipients;
    this.numbers[n + 2] = rec.size;
    this.numbers[n + 3] = rec.code ?? 0;
    this.numbers[n + 4] = writePreview(rec.frame, this.previews, i * PREVIEW_BYTES);
    return seq;
  }

  read(from: number, max = this.capacity): TapRead {
    const oldest = Math.max(1, this.nextSeq - this.capacity);
    const start = Math.max(from, oldest);
    const skipped = start - from > 0 && from > 0 ? start - from : 0;
    const end = Math.min(this.nextSeq, start + max);
    const records: TrafficRecord[] = [];
    for (let seq = start; seq < end; seq++) records.push(this.record(seq));
    return { records, skipped, next: end };
  }

  private record(seq: number): TrafficRecord {
    const i = seq % this.capacity;
    const n = i * FIELDS;
    const at = i * PREVIEW_BYTES;
    const rec: TrafficRecord = {
      seq,
      ts: this.numbers[n]!,
      kind: this.kinds[i]!,
      protocol: this.protocols[i]!,
      room: this.rooms[i] ?? null,
      from: this.froms[i]!,
      to: this.tos[i] ?? null,
      recipients: this.numbers[n + 1]!,
      size: this.numbers[n + 2]!,
      preview: this.previews.toString('utf8', at, at + this.numbers[n + 4]!),
    };
    const reason = this.reasons[i];
    if (reason !== undefined) {
      rec.code = this.numbers[n + 3]!;
      rec.reason = reason;
    }
    return rec;
  }
}

const FIELDS = 5;

/** Copies the start of a frame into a preview slot, whole characters only; returns the bytes written. */
function writePreview(frame: string | Buffer, into: Buffer, at: number): number {
  if (typeof frame === 'string') return into.write(frame, at, PREVIEW_BYTES, 'utf8');
  let n = Math.min(frame.length, PREVIEW_BYTES);
  // Cut before a UTF-8 continuation byte, so the preview never ends in half a character.
  if (n < frame.length) while (n > 0 && (frame[n]! & 0xc0) === 0x80) n--;
  return frame.copy(into, at, 0, n);
}
