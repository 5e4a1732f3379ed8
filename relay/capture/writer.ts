import { open, type FileHandle } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import type { CaptureHeader, CaptureRecord, EndRecord } from './format.js';

export interface CaptureBounds {
  /** The file's size limit, header and end line included. */
  maxBytes: number;
  /** How long the capture may run. */
  maxSeconds: number;
  /** Bytes waiting for the disk; over it the capture stops rather than hold more memory. */
  maxBacklogBytes: number;
}

export type CaptureState = 'recording' | 'ended';

export interface CaptureStatus {
  file: string;
  state: CaptureState;
  startedMs: number;
  endedMs?: number;
  records: number;
  bytes: number;
  /** Why it ended. */
  reason?: string;
}

/** Room kept under maxBytes for the end line, so the file always says why it stopped. */
const END_LINE_ROOM = 512;
/** What has gathered is written at least this often. */
const FLUSH_MS = 100;
/** Lines are written into chunks of this size; a full chunk is written at once. */
const CHUNK_BYTES = 256 * 1024;
/** UTF-8 takes at most 3 bytes per UTF-16 unit (a surrogate pair, two units, takes 4). */
const MAX_BYTES_PER_UNIT = 3;

/**
 * Writes a capture file without ever making the relay wait: each line is encoded at once into a
 * preallocated chunk (so lines do not linger on the heap for the garbage collector to copy),
 * and chunks are written by one asynchronous write at a time. When the disk falls behind by
 * more than the backlog bound, or the file reaches its size or time bound, the capture ends
 * with a reason (written as its last line) instead of growing.
 */
export class CaptureWriter {
  private chunk = Buffer.allocUnsafe(CHUNK_BYTES);
  private used = 0;
  /** Chunks waiting for the disk, and their bytes. */
  private waiting: Buffer[] = [];
  private waitingBytes = 0;
  private inFlightBytes = 0;
  private writing = false;
  private flushTimer: NodeJS.Timeout | undefined;
  private readonly timeLimit: NodeJS.Timeout;
  private readonly startedAt = performance.now();
  private records = 0;
  /** Bytes accepted into the file, written or waiting. */
  private bytes = 0;
  private ended: { reason: string; at: number } | undefined;
  private closing = false;
  private readonly closed: Promise<void>;
  private resolveClosed!: () => void;
  private readonly endListeners = new Set<(status: CaptureStatus) => void>();

  private constructor(
    readonly file: string,
    private readonly fh: FileHandle,
    readonly header: CaptureHeader,
    private readonly bounds: CaptureBounds,
  ) {
    this.closed = new Promise((r) => (this.resolveClosed = r));
    this.timeLimit = setTimeout(() => this.end(`time limit reached: ${bounds.maxSeconds} s`), bounds.maxSeconds * 1000);
    this.timeLimit.unref();
    this.append(JSON.stringify(header));
  }

  /** Creates (or replaces) the file; a path that cannot be written is an error naming it. */
  static async create(file: string, header: CaptureHeader, bounds: CaptureBounds): Promise<CaptureWriter> {
    let fh: FileHandle;
    try {
      fh = await open(file, 'w', 0o600);
    } catch (err) {
      throw new Error(`cannot write the capture file "${file}": ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    return new CaptureWriter(file, fh, header, bounds);
  }

  get recording(): boolean {
    return this.ended === undefined;
  }

  /** Microseconds since the capture started (a monotonic clock): the `t` of a record made now. */
  now(): number {
    return Math.round((performance.now() - this.startedAt) * 1000);
  }

  /** Adds a record; does nothing once the capture has ended. */
  write(record: Exclude<CaptureRecord, EndRecord>): void {
    this.line(JSON.stringify(record));
  }

  /**
   * Adds a record already serialized as one line of JSON (the recorder builds its frequent
   * records as text, which costs less than an object and JSON.stringify).
   */
  line(json: string): void {
    if (this.ended) return;
    const size = this.append(json);
    if (size === 0) return;
    if (this.bytes > this.bounds.maxBytes - END_LINE_ROOM) {
      this.unappend(size);
      this.end(`size limit reached: ${this.bounds.maxBytes} bytes`);
    } else if (this.waitingBytes + this.inFlightBytes + this.used > this.bounds.maxBacklogBytes) {
      this.unappend(size);
      this.end(`the disk could not keep up: over ${this.bounds.maxBacklogBytes} bytes were waiting to be written`);
    } else this.records++;
  }

  /** Encodes a line and its newline into the current chunk (a new one when it may not fit); returns its bytes. */
  private append(json: string): number {
    const worst = json.length * MAX_BYTES_PER_UNIT + 1;
    if (this.used + worst > this.chunk.length) this.seal(Math.max(CHUNK_BYTES, worst));
    const n = this.chunk.write(json, this.used);
    this.chunk[this.used + n] = 0x0a;
    this.used += n + 1;
    this.bytes += n + 1;
    this.flushSoon();
    return n + 1;
  }

  /** Takes the last line back out (it was over a bound); it is still in the current chunk. */
  private unappend(size: number): void {
    this.used -= size;
    this.bytes -= size;
  }

  /** Queues what the current chunk holds for the disk and starts a new one of at least `size` bytes. */
  private seal(size = CHUNK_BYTES): void {
    if (this.used > 0) {
      this.waiting.push(this.chunk.subarray(0, this.used));
      this.waitingBytes += this.used;
    }
    this.chunk = Buffer.allocUnsafe(size);
    this.used = 0;
  }

  private flushSoon(): void {
    if (this.waiting.length > 0 && !this.writing) {
      void this.flush();
      return;
    }
    this.flushTimer ??= setTimeout(() => {
      this.flushTimer = undefined;
      this.seal();
      void this.flush();
    }, FLUSH_MS);
  }

  /** One write at a time; what arrives meanwhile waits for the next. */
  private async flush(): Promise<void> {
    if (this.writing) return;
    this.writing = true;
    try {
      while (this.waiting.length > 0) {
        const chunks = this.waiting;
        this.inFlightBytes = this.waitingBytes;
        this.waiting = [];
        this.waitingBytes = 0;
        try {
          await this.fh.writev(chunks);
        } catch (err) {
          this.fail(err as NodeJS.ErrnoException);
          return;
        } finally {
          this.inFlightBytes = 0;
        }
      }
    } finally {
      this.writing = false;
    }
    if (this.ended) await this.close();
  }

  private fail(err: NodeJS.ErrnoException): void {
    this.waiting = [];
    this.waitingBytes = 0;
    this.used = 0;
    if (!this.ended) this.finish(`cannot write the capture file: ${err.code ?? err.message}`);
    void this.close();
  }

  /** Stops the capture: the end line says why; resolves once the file is closed. */
  end(reason: string): Promise<void> {
    if (!this.ended) {
      this.finish(reason);
      const end: EndRecord = { t: this.now(), type: 'end', reason, records: this.records, bytes: this.bytes };
      this.append(JSON.stringify(end));
      clearTimeout(this.flushTimer);
      this.flushTimer = undefined;
      this.seal();
      void this.flush();
    }
    return this.closed;
  }

  private finish(reason: string): void {
    this.ended = { reason, at: Date.now() };
    clearTimeout(this.timeLimit);
    const status = this.status();
    for (const l of this.endListeners) l(status);
  }

  private async close(): Promise<void> {
    if (this.closing) return this.closed;
    this.closing = true;
    clearTimeout(this.flushTimer);
    await this.fh.close().catch(() => undefined);
    this.resolveClosed();
  }

  /** Runs once when the capture ends, whatever ends it. */
  onEnd(listener: (status: CaptureStatus) => void): void {
    this.endListeners.add(listener);
  }

  status(): CaptureStatus {
    const s: CaptureStatus = { file: this.file, state: this.ended ? 'ended' : 'recording', startedMs: this.header.startedMs, records: this.records, bytes: this.bytes };
    if (this.ended) {
      s.endedMs = this.ended.at;
      s.reason = this.ended.reason;
    }
    return s;
  }
}
