import type { ProtocolName } from '../config/schema.js';
import { PROTOCOLS } from '../config/schema.js';
import type { Hub } from './hub.js';
import { TokenBucket } from './limits.js';
import type { CloseEvent, OpenEvent, RelayObserver } from './observe.js';
import type { Peer } from './peer.js';

export interface ProtocolCounters {
  connections: number;
  msgsIn: number;
  bytesIn: number;
  msgsOut: number;
  bytesOut: number;
  drops: number;
}

export interface DeliveryLimits {
  /** Unsent bytes a peer may have before it is closed as a slow consumer. */
  maxQueueBytes: number;
  /** Messages a second per peer, 0 for no limit. */
  ratePerSecond: number;
  rateBurst: number;
}

export const zeroCounters = (): ProtocolCounters => ({ connections: 0, msgsIn: 0, bytesIn: 0, msgsOut: 0, bytesOut: 0, drops: 0 });

/**
 * What goes into and out of each peer's socket on this node: the counters, the rate limit on
 * what comes in, and the bound on each peer's send queue. It observes opens and closes to count
 * connections.
 */
export class Delivery implements RelayObserver {
  readonly counters: Record<ProtocolName, ProtocolCounters> = Object.fromEntries(PROTOCOLS.map((p) => [p, zeroCounters()])) as Record<ProtocolName, ProtocolCounters>;
  private readonly buckets = new WeakMap<Peer, TokenBucket>();
  private readonly limits: DeliveryLimits;

  constructor(
    private readonly hub: Hub,
    limits: Partial<DeliveryLimits> = {},
  ) {
    this.limits = { maxQueueBytes: Number.MAX_SAFE_INTEGER, ratePerSecond: 0, rateBurst: 1, ...limits };
    hub.observers.add(this);
  }

  opened({ peer }: OpenEvent): void {
    this.counters[peer.protocol].connections++;
    if (this.limits.ratePerSecond > 0) this.buckets.set(peer, new TokenBucket(this.limits.ratePerSecond, this.limits.rateBurst));
  }

  closed({ peer }: CloseEvent): void {
    this.counters[peer.protocol].connections--;
  }

  /**
   * Counts a frame from a client and marks it alive. Returns false, having closed the peer with
   * 1008 and told the observers why, when the frame is over the peer's rate limit: drop it.
   */
  received(peer: Peer, frame: Buffer): boolean {
    peer.received(frame.length);
    const c = this.counters[peer.protocol];
    c.msgsIn++;
    c.bytesIn += frame.length;
    if (this.buckets.get(peer)?.take() !== false) return true;
    const reason = `rate limit: over ${this.limits.ratePerSecond} messages a second (burst ${this.limits.rateBurst})`;
    this.hub.observers.inbound({ peer, frame, to: null, refused: { code: 1008, reason } });
    this.hub.close(peer, 1008, reason);
    return false;
  }

  /** Sends prepared bytes to one peer, unless it is closing or its queue is full. */
  deliver(peer: Peer, bytes: Buffer): boolean {
    if (peer.closing || !this.queueHasRoom(peer, bytes)) return false;
    peer.transport.send(bytes);
    peer.msgsOut++;
    peer.bytesOut += bytes.length;
    const c = this.counters[peer.protocol];
    c.msgsOut++;
    c.bytesOut += bytes.length;
    return true;
  }

  /**
   * Whether a peer's send queue takes these bytes more; if not, the peer is closed as a slow
   * consumer and the bytes are reported as dropped. An empty queue always takes one frame, so a
   * frame larger than the bound does not condemn a client that keeps up. Frames corked in this
   * tick count (a thousand replies to one read are held like any others), but before they can
   * condemn a peer they are offered to the network: a burst to a reader that keeps up goes out.
   */
  queueHasRoom(peer: Peer, bytes: Buffer): boolean {
    const max = this.limits.maxQueueBytes;
    let queued = peer.transport.bufferedAmount;
    if (queued !== 0 && queued + bytes.length > max && peer.transport.flush) {
      peer.transport.flush();
      queued = peer.transport.bufferedAmount;
    }
    if (queued === 0 || queued + bytes.length <= max) return true;
    peer.drops++;
    this.counters[peer.protocol].drops++;
    this.hub.observers.dropped({ peer, frame: bytes, code: 1013, reason: 'send queue full' });
    this.hub.close(peer, 1013, `send queue over ${max} bytes: the client is not reading fast enough`);
    return false;
  }
}
