import type { Transport } from '../../relay/core/peer.js';

/**
 * A transport held in memory, for testing the core on its own: frames queue until the test
 * reads them, and the unread bytes are the peer's bufferedAmount, as on a socket whose reader
 * stopped.
 */
export class MemoryTransport implements Transport {
  private queue: Buffer[] = [];
  closedWith: { code: number; reason: string } | undefined;
  pings: string[] = [];

  get bufferedAmount(): number {
    return this.queue.reduce((n, f) => n + f.length, 0);
  }

  send(frame: Buffer): void {
    this.queue.push(frame);
  }

  close(code: number, reason: string): void {
    this.closedWith = { code, reason };
  }

  ping(payload: string): void {
    this.pings.push(payload);
  }

  /** Takes every frame sent so far, as text. */
  read(): string[] {
    return this.queue.splice(0).map((f) => f.toString());
  }
}
