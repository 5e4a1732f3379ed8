import type { KeepalivePolicy } from '../core/peer.js';

/**
 * The keepalive of Python's websockets library, which the Compendium and Spacewar relays ran on
 * (ping_interval, ping_timeout): a ping after `interval` seconds, and a close with 1011 when
 * `timeout` more seconds pass without a pong. The hub counts any frame from the peer as alive.
 */
export function websocketsKeepalive(intervalSeconds: number, timeoutSeconds: number): KeepalivePolicy {
  return {
    pingAfterMs: intervalSeconds * 1000,
    closeAfterMs: (intervalSeconds + timeoutSeconds) * 1000,
    pingPayload: '',
    closeCode: 1011,
    closeReason: 'keepalive ping timeout',
  };
}
