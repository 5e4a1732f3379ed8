import type { CloseEvent, DropEvent, InboundEvent, OpenEvent, RelayObserver, SentEvent } from './observe.js';
import { firstRoom } from './routing.js';
import type { TrafficKind, TrafficTap } from './tap.js';

const byteLength = (frame: string | Buffer): number => (typeof frame === 'string' ? Buffer.byteLength(frame) : frame.length);

/**
 * Writes the traffic tap as an observer of the relay: one record per event, so a fan-out is
 * one record with its recipient count and a forwarded client frame is one record showing the
 * client's own bytes.
 */
export class TapRecorder implements RelayObserver {
  constructor(private readonly tap: TrafficTap) {}

  opened({ peer }: OpenEvent): void {
    this.tap.push({ kind: 'open', protocol: peer.protocol, room: null, from: peer.id, to: null, recipients: 0, size: 0, frame: peer.remote });
  }

  closed({ peer, code, reason, by }: CloseEvent): void {
    const relay = by === 'relay';
    this.tap.push({ kind: 'close', protocol: peer.protocol, room: null, from: relay ? 'relay' : peer.id, to: relay ? peer.id : null, recipients: 0, size: 0, frame: '', code, reason });
  }

  inbound({ peer, frame, to }: InboundEvent): void {
    this.tap.push({ kind: 'message', protocol: peer.protocol, room: firstRoom(peer), from: peer.id, to, recipients: 0, size: byteLength(frame), frame });
  }

  sent(e: SentEvent): void {
    const sender = typeof e.origin === 'string' ? undefined : e.origin;
    const kind: TrafficKind = sender ? 'message' : e.origin === 'operator' ? 'operator' : 'relay';
    const n = e.recipients.length;
    const shown = e.inbound ?? (Buffer.isBuffer(e.frame) ? e.frame : (e.frame[0] ?? ''));
    // The recipient's own id string when there is one: the tap keeps it, and a string parsed from
    // the frame would live on in the ring and cost every young-generation collection a copy.
    const to = n === 1 ? e.recipients[0]!.id : e.to;
    this.tap.push({ kind, protocol: e.protocol, room: e.room, from: sender ? sender.id : (e.origin as string), to, recipients: n, size: byteLength(shown), frame: shown });
  }

  dropped({ peer, frame, code, reason }: DropEvent): void {
    this.tap.push({ kind: 'drop', protocol: peer.protocol, room: firstRoom(peer), from: 'relay', to: peer.id, recipients: 0, size: frame.length, frame, code, reason });
  }
}
