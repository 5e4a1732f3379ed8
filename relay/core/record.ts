import type { CloseEvent, DropEvent, InboundEvent, OpenEvent, RelayObserver, SentEvent } from './observe.js';
import { firstRoom } from './routing.js';
import { MAX_RECIPIENT_IDS, type TrafficKind, type TrafficTap } from './tap.js';

const byteLength = (frame: string | Buffer): number => (typeof frame === 'string' ? Buffer.byteLength(frame) : frame.length);

/**
 * Writes the traffic tap as an observer of the relay: one record per event, so a fan-out is
 * one record with its recipients and a forwarded client frame is one record showing the
 * client's own bytes. A frame the relay made differently for each recipient (msg-relay's
 * peer_connect names each one) is one record per recipient, each with what that peer got.
 */
export class TapRecorder implements RelayObserver {
  /** Recipient ids of the fan-out being recorded, reused so that recording makes no array per message. */
  private readonly ids: string[] = [];

  constructor(private readonly tap: TrafficTap) {}

  opened({ peer }: OpenEvent): void {
    this.tap.push({ kind: 'open', protocol: peer.protocol, room: null, from: peer.id, to: null, recipients: 0, size: 0, frame: peer.remote });
  }

  closed({ peer, code, reason, by }: CloseEvent): void {
    const relay = by === 'relay';
    this.tap.push({ kind: 'close', protocol: peer.protocol, room: null, from: relay ? 'relay' : peer.id, to: relay ? peer.id : null, recipients: 0, size: 0, frame: '', code, reason });
  }

  inbound({ peer, frame, to, binary }: InboundEvent): void {
    this.tap.push({ kind: 'message', protocol: peer.protocol, room: firstRoom(peer), from: peer.id, to, recipients: 0, size: byteLength(frame), frame, binary });
  }

  sent(e: SentEvent): void {
    const sender = typeof e.origin === 'string' ? undefined : e.origin;
    const kind: TrafficKind = sender ? 'message' : e.origin === 'operator' ? 'operator' : 'relay';
    const from = sender ? sender.id : (e.origin as string);
    const n = e.recipients.length;
    if (!e.inbound && !Buffer.isBuffer(e.frame) && n > 1) {
      for (let k = 0; k < n; k++) {
        const frame = e.frame[k]!;
        this.tap.push({ kind, protocol: e.protocol, room: e.room, from, to: e.recipients[k]!.id, recipients: 1, size: frame.length, frame });
      }
      return;
    }
    const shown = e.inbound ?? (Buffer.isBuffer(e.frame) ? e.frame : (e.frame[0] ?? ''));
    // The recipient's own id string when there is one: the tap keeps it, and a string parsed from
    // the frame would live on in the ring and cost every young-generation collection a copy.
    const to = n === 1 ? e.recipients[0]!.id : e.to;
    const ids = this.ids;
    ids.length = 0;
    if (n > 1) for (let k = 0; k < n && k < MAX_RECIPIENT_IDS; k++) ids.push(e.recipients[k]!.id);
    this.tap.push({ kind, protocol: e.protocol, room: e.room, from, to, recipients: n, size: byteLength(shown), frame: shown, binary: e.binary, recipientIds: ids });
  }

  dropped({ peer, frame, code, reason }: DropEvent): void {
    this.tap.push({ kind: 'drop', protocol: peer.protocol, room: firstRoom(peer), from: 'relay', to: peer.id, recipients: 0, size: frame.length, frame, code, reason });
  }
}
