import type { Hub } from './hub.js';
import type { Peer } from './peer.js';

/** How long a peer whose protocol has no keepalive (channelstream) may leave its queue untouched. */
const STALL_MS = 30_000;

/**
 * One sweep over all peers per tick: a peer silent past its protocol's `pingAfterMs` is pinged;
 * one still silent past `closeAfterMs`, after a ping, is closed with its protocol's code and reason.
 *
 * A peer that answers pings but takes nothing from its send queue would pass for alive and hold
 * its queue for ever: one whose queue has not moved for its protocol's `closeAfterMs` is closed
 * with 1013, as a slow consumer, whatever it sends.
 */
export class Keepalive {
  private timer: NodeJS.Timeout | undefined;
  /** Per peer: the bytes the network had taken at the last sweep that saw progress, and when. */
  private readonly progress = new WeakMap<Peer, { taken: number; at: number }>();

  constructor(private readonly hub: Hub) {}

  start(tickMs: number): void {
    this.stop();
    this.timer = setInterval(() => this.sweep(Date.now()), tickMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  sweep(now: number): void {
    for (const peer of [...this.hub.peers()]) {
      const k = peer.keepalive;
      const stallMs = k?.closeAfterMs ?? STALL_MS;
      if (this.stalledFor(peer, now) >= stallMs) {
        this.hub.close(peer, 1013, `send queue stalled: the client has taken nothing for ${Math.round(stallMs / 1000)} s`);
        continue;
      }
      if (!k) continue;
      const silent = now - peer.lastSeen;
      // A peer is closed only after it was pinged and stayed silent, however the ticks fall.
      if (silent >= k.closeAfterMs && peer.pingedAt > peer.lastSeen) this.hub.close(peer, k.closeCode, k.closeReason);
      else if (silent >= k.pingAfterMs) {
        peer.pingedAt = now;
        peer.transport.ping?.(k.pingPayload);
      }
    }
  }

  /**
   * How long the peer's queue has held bytes that the network did not take. What was taken is
   * what was sent less what is still queued; frames queued since then (pongs included) only
   * lower it, so only a real read by the client counts as progress.
   */
  private stalledFor(peer: Peer, now: number): number {
    const queued = peer.transport.bufferedAmount;
    const taken = peer.bytesOut - queued;
    const last = this.progress.get(peer);
    if (queued === 0 || !last || taken > last.taken) {
      this.progress.set(peer, { taken, at: now });
      return 0;
    }
    return now - last.at;
  }
}
