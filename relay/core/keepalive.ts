import type { Hub } from './hub.js';

/**
 * One sweep over all peers per tick: a peer silent past its protocol's `pingAfterMs` is pinged;
 * one still silent past `closeAfterMs`, after a ping, is closed with its protocol's code and reason.
 */
export class Keepalive {
  private timer: NodeJS.Timeout | undefined;

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
}
