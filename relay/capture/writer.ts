import { open, type FileHandle } from 'node:fs/promises';
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
/** Lines are gathered and written at most this often, or sooner once this many bytes wait. */
const FLUSH_MS = 100;
const FLUSH_BYTES = 256 * 1024;

/**
 * Writes a capture file without ever making the relay wait: lines are gathered in memory and
 * written by one asynchronous write at a time. When the disk falls behind by more than the
 * backlog bound, or the file reaches its size or time bound, the capture ends with a reason
 * (written as its last line) instead of growing.
 */
export class CaptureWriter {
  private pending: string[] = [];
  private pendingBytes = 0;
  private inFlightBytes = 0;
  private writing = false;
  private flushTimer: NodeJS.Timeout | undefined;
  private readonly timeLimit: NodeJS.Timeout;
  private readonly startedNs: bigint;
  private records = 0;
  /** Bytes accepted into the file, written or waiting. */
  private bytes = 0;
  private ended: { reason: string; at: number } | undefined;
  private readonly closed: Promise<void>;
  private resolveClosed!: () => void;
  private readonly endListeners = new Set<(status: CaptureStatus) => void>();

  private constructor(
    readonly file: string,
    private readonly fh: FileHandle,
    readonly header: CaptureHeader,
    private readonly bounds: CaptureBounds,
  ) {
    this.startedNs = process.hrtime.bigint();
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

  /** Microseconds since the capture started: the `t` of a record made now. */
  now(): number {
    return Number((process.hrtime.bigint() - this.startedNs) / 1000n);
  }

  /** Adds a record; does nothing once the capture has ended. */
  write(record: Exclude<CaptureRecord, EndRecord>): void {
    if (this.ended) return;
    const line = JSON.stringify(record);
    const size = Buffer.byteLength(line) + 1;
    if (this.bytes + size > this.bounds.maxBytes - END_LINE_ROOM) {
      this.end(`size limit reached: ${this.bounds.maxBytes} bytes`);
      return;
    }
    if (this.pendingBytes + this.inFlightBytes + size > this.bounds.maxBacklogBytes) {
      this.end(`the disk could not keep up: over ${this.bounds.maxBacklogBytes} bytes were waiting to be written`);
      return;
    }
    this.records++;
    this.append(line, size);
  }

  private append(line: string, size = Buffer.byteLength(line) + 1): void {
    this.pending.push(line);
    this.pendingBytes += size;
    this.bytes += size;
    if (this.pendingBytes >= FLUSH_BYTES) this.flushSoon(0);
    else this.flushSoon(FLUSH_MS);
  }

  private flushSoon(ms: number): void {
    if (this.writing) return;
    if (ms === 0 && this.flushTimer) {
      clearTimeout(this.flushTimer);
      this.flushTimer = undefined;
    }
    this.flushTimer ??= setTimeout(() => {
      this.flushTimer = undefined;
      void this.flush();
    }, ms);
  }

  /** One write at a time; what arrives meanwhile waits for the next. */
  private async flush(): Promise<void> {
    if (this.writing) return;
    this.writing = true;
    try {
      while (this.pending.length > 0) {
        const chunk = this.pending.join('\n') + '\n';
        this.inFlightBytes = this.pendingBytes;
        this.pending = [];
        this.pendingBytes = 0;
        try {
          await this.fh.write(chunk);
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
    this.pending = [];
    this.pendingBytes = 0;
    if (!this.ended) this.finish(`cannot write the capture file: ${err.code ?? err.message}`);
    void this.close();
  }

  /** Stops the capture: the end line says why; resolves once the file is closed. */
  end(reason: string): Promise<void> {
    if (!this.ended) {
      this.finish(reason);
      const end: EndRecord = { t: this.now(), type: 'end', reason, records: this.records, bytes: this.bytes };
      this.append(JSON.stringify(end));
      if (this.flushTimer) clearTimeout(this.flushTimer);
      this.flushTimer = undefined;
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

  private closing = false;
  private async close(): Promise<void> {
    if (this.closing) return this.closed;
    this.closing = true;
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
