import type { Peer, Transport } from '../core/peer.js';
import type { LongPoll, PeerLink } from '../dialects/types.js';

/**
 * A peer that stands without a live transport (channelstream's connection exists from REST
 * /connect on, before any socket) and is read by a WebSocket or by one long poll after another.
 * Its hub transport sends to whichever is attached; with neither, frames are not sent (the
 * dialect catches the client up on the next attach).
 */

/** A long poll's transport: the frames waiting for it, bounded by the hub's queue limit through bufferedAmount. */
export class PollQueue implements LongPoll {
  private frames: Buffer[] = [];
  private bytes = 0;
  private wake: (() => void) | undefined;
  ended = false;

  get bufferedAmount(): number {
    return this.bytes;
  }

  push(frame: Buffer): void {
    if (this.ended) return;
    this.frames.push(frame);
    this.bytes += frame.length;
    this.wake?.();
  }

  end(): void {
    this.ended = true;
    this.wake?.();
  }

  /** Resolves when a frame arrives, the queue ends, or `ms` pass. */
  private arrival(ms: number): Promise<boolean> {
    if (this.ended) return Promise.resolve(false);
    return new Promise((resolve) => {
      const timer = setTimeout(() => done(false), ms);
      const done = (arrived: boolean): void => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve(arrived);
      };
      this.wake = () => done(true);
    });
  }

  /**
   * The original channelstream's long poll: wait up to `waitMs` for something, then keep
   * gathering while frames keep coming less than `gatherMs` apart (at most `maxRounds` times).
   */
  async collect(waitMs: number, gatherMs: number, maxRounds = 40): Promise<Buffer[]> {
    if (this.frames.length === 0) await this.arrival(waitMs);
    for (let round = 0; round < maxRounds && (await this.arrival(gatherMs)); round++);
    this.bytes = 0;
    return this.frames.splice(0);
  }
}

export class ConnectionLink implements Transport, PeerLink {
  private ws: Transport | undefined;
  private poll: PollQueue | undefined;
  /** Set by the connection place as soon as the hub has connected the peer over this link. */
  peer!: Peer;

  /** `onSent` runs after each frame written to a socket: a successful send keeps a connection alive. */
  constructor(private readonly onSent: () => void) {}

  /** When the attached socket last showed it was alive: attached, sent a frame, answered a ping. */
  heardAt = 0;

  /** The socket attached, as the transport the server built for it. */
  get socket(): Transport | undefined {
    return this.ws;
  }

  heard(): void {
    this.heardAt = Date.now();
  }

  get attached(): boolean {
    return this.ws !== undefined || this.poll !== undefined;
  }

  /** Attaches a socket and returns the one it replaces, if any. */
  attachSocket(socket: Transport): Transport | undefined {
    const previous = this.ws;
    this.ws = socket;
    this.heard();
    return previous;
  }

  detachSocket(socket: Transport): boolean {
    if (this.ws !== socket) return false;
    this.ws = undefined;
    return true;
  }

  /** Each long poll starts a fresh queue, as the original does; a poll still waiting is answered now. */
  attachPoll(): PollQueue {
    this.poll?.end();
    this.poll = new PollQueue();
    return this.poll;
  }

  send(frame: Buffer): void {
    if (this.ws) {
      this.ws.send(frame);
      this.onSent();
    } else this.poll?.push(frame);
  }

  ping(payload: string): void {
    this.ws?.ping?.(payload);
  }

  flush(): void {
    this.ws?.flush?.();
  }

  close(code: number, reason: string): void {
    this.ws?.close(code, reason);
    this.poll?.end();
    this.ws = undefined;
    this.poll = undefined;
  }

  get bufferedAmount(): number {
    return this.ws?.bufferedAmount ?? this.poll?.bufferedAmount ?? 0;
  }
}
