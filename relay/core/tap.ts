import type { ProtocolName } from '../config/schema.js';

/**
 * What one record of traffic is about:
 * - message: a client's frame, with the peers that received it (one record per fan-out);
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
  /** Wire ids of the first LISTED_RECIPIENTS recipients of a fan-out, where the hub named them. */
  recipientIds?: string[];
  size: number;
  /** The start of the frame: text (PREVIEW_BYTES at most), or for a binary frame its first bytes in hex. */
  preview: string;
  /** The frame was over the per-frame cap: the tap kept only its first tapFrameBytes. */
  truncated?: true;
  /** The frame came as a binary WebSocket frame. */
  binary?: true;
  code?: number;
  reason?: string;
}

/** What the hub records: a record's fields and the frame it is about, which the tap keeps. */
export type NewRecord = Omit<TrafficRecord, 'seq' | 'ts' | 'preview' | 'truncated' | 'binary' | 'recipientIds'> & {
  frame: string | Buffer;
  binary?: boolean;
  /** Who received a fan-out; the tap keeps up to MAX_RECIPIENT_IDS of them. */
  recipientIds?: readonly string[];
};

/** A frame as the tap kept it. `bytes` is a view of the tap's memory: copy or decode it before the next push. */
export interface KeptFrame {
  bytes: Buffer;
  size: number;
  truncated: boolean;
  binary: boolean;
}

/** How much of each frame a record read from the tap carries, in bytes of UTF-8 (cut at a character boundary). */
export const PREVIEW_BYTES = 512;
/** Bytes of a binary frame shown in its preview, as hex. */
const BINARY_PREVIEW_BYTES = 48;
/** Recipient ids a record read from the tap carries; the whole list is in recipientsOf(). */
export const LISTED_RECIPIENTS = 32;
/** Recipient ids kept for one fan-out: enough to draw it, without letting one room fill the id ring. */
export const MAX_RECIPIENT_IDS = 1000;

export interface TapOptions {
  /** Records kept at most. */
  capacity: number;
  /** Bytes of one frame kept at most; a longer frame keeps its start and is marked truncated. */
  frameBytes: number;
  /** Bytes of frames kept in all; the oldest records go first to make room. */
  budgetBytes: number;
}

export interface TapRead {
  records: TrafficRecord[];
  /** Records that were overwritten before the reader got to them. */
  skipped: number;
  /** Where the next read should start. */
  next: number;
}

/**
 * A bounded ring buffer of traffic records with their whole frames. Writers never wait: readers
 * keep their own cursor and learn how many records they missed when they fall behind.
 *
 * The ring keeps each field in its own column and the frames' bytes in one arena, and makes
 * record objects only when read. Every message adds a record, and records live for the whole
 * ring: kept as objects, strings or Buffers, they were what each young-generation garbage
 * collection had to copy (3 ms pauses at 100k messages/s, against under 1 ms without them),
 * and those pauses were the relay's latency tail. So a push allocates nothing that outlives
 * it: the columns hold only numbers and strings the relay keeps anyway (protocol, room and
 * peer ids), and the frame is copied into the arena.
 *
 * The arena is a ring of bytes too, addressed by an ever-growing byte position; a frame is
 * stored whole or not at all (one that would cross the arena's end starts again at its
 * beginning), and a record whose bytes were overwritten is gone: the oldest go first, whether
 * the record count or the byte budget runs out.
 */
export class TrafficTap {
  readonly capacity: number;
  readonly frameBytes: number;
  readonly budgetBytes: number;
  private readonly kinds: TrafficKind[];
  private readonly protocols: ProtocolName[];
  private readonly rooms: (string | null)[];
  private readonly froms: string[];
  private readonly tos: (string | null)[];
  /** The close code's reason, or undefined when the record has no code. */
  private readonly reasons: (string | undefined)[];
  /** FIELDS numbers per slot: see the F_ offsets. */
  private readonly numbers: Float64Array;
  /**
   * Frames' bytes. Allocated without zeroing: only bytes a push wrote are ever read, and the
   * pages of a large budget cost memory only once traffic has filled them.
   */
  private readonly arena: Buffer;
  /** Recipient ids of fan-outs, a ring addressed like the arena; ids overwritten are only not listed. */
  private readonly ids: string[];
  private nextSeq = 1;
  /** The oldest seq whose bytes are still in the arena. */
  private oldest = 1;
  /** Byte position the next frame is written at (arena offset = position % budget). */
  private bytesHead = 0;
  private idsHead = 0;

  constructor(o: TapOptions) {
    this.capacity = o.capacity;
    this.budgetBytes = o.budgetBytes;
    this.frameBytes = Math.min(o.frameBytes, o.budgetBytes);
    const column = <T>(): T[] => new Array<T>(this.capacity);
    this.kinds = column();
    this.protocols = column();
    this.rooms = column();
    this.froms = column();
    this.tos = column();
    this.reasons = column();
    this.numbers = new Float64Array(this.capacity * FIELDS);
    this.arena = Buffer.allocUnsafeSlow(this.budgetBytes);
    this.ids = new Array<string>(Math.min(Math.max(this.capacity, MAX_RECIPIENT_IDS) * 4, 1_000_000));
  }

  /** The seq the next record will get: a reader starting here sees only new traffic. */
  get head(): number {
    return this.nextSeq;
  }

  /** The oldest seq still held. */
  get first(): number {
    return Math.max(this.oldest, this.nextSeq - this.capacity);
  }

  /** Bytes of frames held now, at most budgetBytes. */
  get bytesHeld(): number {
    if (this.first >= this.nextSeq) return 0;
    return this.bytesHead - this.numbers[this.slot(this.first) * FIELDS + F_START]!;
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
    const numbers = this.numbers;
    numbers[n + F_TS] = Date.now();
    numbers[n + F_RECIPIENTS] = rec.recipients;
    numbers[n + F_SIZE] = rec.size;
    numbers[n + F_CODE] = rec.code ?? 0;
    numbers[n + F_BINARY] = rec.binary ? 1 : 0;
    this.keepFrame(n, rec.frame);
    this.keepIds(n, rec.recipientIds);
    this.evict();
    return seq;
  }

  read(from: number, max = this.capacity): TapRead {
    const start = Math.max(from, this.first);
    const skipped = start - from > 0 && from > 0 ? start - from : 0;
    const end = Math.min(this.nextSeq, start + max);
    const records: TrafficRecord[] = [];
    for (let seq = start; seq < end; seq++) records.push(this.record(seq));
    return { records, skipped, next: end };
  }

  /**
   * Visits each record from `from` on with the fields a rate needs, making no record objects;
   * returns where the next visit starts.
   */
  visit(from: number, fn: (protocol: ProtocolName, room: string | null, kind: TrafficKind, size: number) => void): number {
    for (let seq = Math.max(from, this.first); seq < this.nextSeq; seq++) {
      const i = this.slot(seq);
      fn(this.protocols[i]!, this.rooms[i] ?? null, this.kinds[i]!, this.numbers[i * FIELDS + F_SIZE]!);
    }
    return this.nextSeq;
  }

  /** Whether the tap still holds this record. */
  has(seq: number): boolean {
    return Number.isInteger(seq) && seq >= this.first && seq < this.nextSeq;
  }

  /** One record, or undefined once it is gone. */
  get(seq: number): TrafficRecord | undefined {
    return this.has(seq) ? this.record(seq) : undefined;
  }

  /** The frame of a record as kept, or undefined once it is gone. */
  frame(seq: number): KeptFrame | undefined {
    if (!this.has(seq)) return undefined;
    const n = this.slot(seq) * FIELDS;
    const size = this.numbers[n + F_SIZE]!;
    const bytes = this.frameView(n);
    return { bytes, size, truncated: bytes.length < size, binary: this.numbers[n + F_BINARY] === 1 };
  }

  /** Every recipient id kept for a record (up to MAX_RECIPIENT_IDS), [] when none were named or they were overwritten. */
  recipientsOf(seq: number): string[] {
    if (!this.has(seq)) return [];
    const n = this.slot(seq) * FIELDS;
    const count = this.numbers[n + F_IDS_COUNT]!;
    const at = this.numbers[n + F_IDS_START]!;
    if (count === 0 || at < this.idsHead - this.ids.length) return [];
    const out: string[] = [];
    for (let k = 0; k < count; k++) out.push(this.ids[(at + k) % this.ids.length]!);
    return out;
  }

  /** Whether a peer id sent, received or is listed among the recipients of a record. */
  involves(seq: number, id: string): boolean {
    if (!this.has(seq)) return false;
    const i = this.slot(seq);
    if (this.froms[i] === id || this.tos[i] === id) return true;
    const n = i * FIELDS;
    const count = this.numbers[n + F_IDS_COUNT]!;
    const at = this.numbers[n + F_IDS_START]!;
    if (at < this.idsHead - this.ids.length) return false;
    for (let k = 0; k < count; k++) if (this.ids[(at + k) % this.ids.length] === id) return true;
    return false;
  }

  private slot(seq: number): number {
    return seq % this.capacity;
  }

  private frameView(n: number): Buffer {
    const at = this.numbers[n + F_START]! % this.budgetBytes;
    return this.arena.subarray(at, at + this.numbers[n + F_KEPT]!);
  }

  /** Copies the frame, up to frameBytes, into the arena; a string is cut between characters. */
  private keepFrame(n: number, frame: string | Buffer): void {
    const want = Math.min(typeof frame === 'string' ? Buffer.byteLength(frame) : frame.length, this.frameBytes);
    let start = this.bytesHead;
    const offset = start % this.budgetBytes;
    if (offset + want > this.budgetBytes) start += this.budgetBytes - offset;
    const at = start % this.budgetBytes;
    const kept = typeof frame === 'string' ? this.arena.write(frame, at, want, 'utf8') : frame.copy(this.arena, at, 0, want);
    this.numbers[n + F_START] = start;
    this.numbers[n + F_KEPT] = kept;
    this.bytesHead = start + kept;
  }

  private keepIds(n: number, ids: readonly string[] | undefined): void {
    const count = Math.min(ids?.length ?? 0, MAX_RECIPIENT_IDS, this.ids.length);
    this.numbers[n + F_IDS_START] = this.idsHead;
    this.numbers[n + F_IDS_COUNT] = count;
    for (let k = 0; k < count; k++) this.ids[(this.idsHead + k) % this.ids.length] = ids![k]!;
    this.idsHead += count;
  }

  /** Moves the oldest record on past those whose bytes the last frame overwrote. */
  private evict(): void {
    const floor = this.bytesHead - this.budgetBytes;
    this.oldest = Math.max(this.oldest, this.nextSeq - this.capacity);
    while (this.oldest < this.nextSeq - 1 && this.numbers[this.slot(this.oldest) * FIELDS + F_START]! < floor) this.oldest++;
  }

  private record(seq: number): TrafficRecord {
    const i = this.slot(seq);
    const n = i * FIELDS;
    const numbers = this.numbers;
    const bytes = this.frameView(n);
    const binary = numbers[n + F_BINARY] === 1;
    const size = numbers[n + F_SIZE]!;
    const rec: TrafficRecord = {
      seq,
      ts: numbers[n + F_TS]!,
      kind: this.kinds[i]!,
      protocol: this.protocols[i]!,
      room: this.rooms[i] ?? null,
      from: this.froms[i]!,
      to: this.tos[i] ?? null,
      recipients: numbers[n + F_RECIPIENTS]!,
      size,
      preview: binary ? hexPreview(bytes) : textPreview(bytes),
    };
    if (numbers[n + F_IDS_COUNT]! > 0) {
      const ids = this.recipientsOf(seq);
      if (ids.length > 0) rec.recipientIds = ids.slice(0, LISTED_RECIPIENTS);
    }
    if (bytes.length < size) rec.truncated = true;
    if (binary) rec.binary = true;
    const reason = this.reasons[i];
    if (reason !== undefined) {
      rec.code = numbers[n + F_CODE]!;
      rec.reason = reason;
    }
    return rec;
  }
}

const F_TS = 0;
const F_RECIPIENTS = 1;
const F_SIZE = 2;
const F_CODE = 3;
/** Byte position of the frame in the arena, and how many of its bytes were kept. */
const F_START = 4;
const F_KEPT = 5;
const F_BINARY = 6;
/** Position of the first recipient id in the id ring, and how many. */
const F_IDS_START = 7;
const F_IDS_COUNT = 8;
const FIELDS = 9;

/** The start of a frame as text, whole characters only. */
export function textPreview(bytes: Buffer): string {
  let n = Math.min(bytes.length, PREVIEW_BYTES);
  // Cut before a UTF-8 continuation byte, so the preview never ends in half a character.
  if (n < bytes.length) while (n > 0 && (bytes[n]! & 0xc0) === 0x80) n--;
  return bytes.toString('utf8', 0, n);
}

function hexPreview(bytes: Buffer): string {
  const head = bytes.subarray(0, BINARY_PREVIEW_BYTES).toString('hex');
  return (head.match(/../g) ?? []).join(' ') + (bytes.length > BINARY_PREVIEW_BYTES ? ' …' : '');
}
