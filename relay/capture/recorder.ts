import type { CloseEvent, DropEvent, InboundEvent, OpenEvent, RelayObserver, RequestEvent, SentEvent } from '../core/observe.js';
import type { Peer } from '../core/peer.js';
import { isBinaryFrame } from '../core/socket.js';
import { stripQuery, type FrameContent } from './format.js';
import type { CaptureWriter } from './writer.js';

const content = (frame: string | Buffer): FrameContent =>
  typeof frame === 'string' ? { text: frame } : isBinaryFrame(frame) ? { base64: frame.toString('base64') } : { text: frame.toString() };

const size = (frame: string | Buffer): number => (typeof frame === 'string' ? Buffer.byteLength(frame) : frame.length);

function firstRoom(peer: Peer): string | null {
  for (const r of peer.rooms) return r;
  return null;
}

/**
 * Writes what the relay does to a capture file, as an observer of its deliveries: opens with
 * their handshake, closes, each client frame whole (refused ones with why), and each frame the
 * relay sent with its recipients. It only formats lines; the writer decides when they reach the disk.
 */
export class CaptureRecorder implements RelayObserver {
  constructor(private readonly writer: CaptureWriter) {}

  opened({ peer, handshake }: OpenEvent): void {
    const { query, stripped } = stripQuery(handshake?.query ?? '');
    this.writer.write({
      t: this.writer.now(),
      type: 'open',
      protocol: peer.protocol,
      peer: peer.key,
      id: peer.id,
      remote: peer.remote,
      path: handshake?.path ?? '',
      query,
      headers: { ...handshake?.headers },
      ...(stripped.length > 0 && { stripped }),
      meta: peer.meta,
    });
  }

  closed({ peer, code, reason, by }: CloseEvent): void {
    this.writer.write({ t: this.writer.now(), type: 'close', protocol: peer.protocol, peer: peer.key, id: peer.id, code, reason, by });
  }

  inbound({ peer, frame, to, refused }: InboundEvent): void {
    this.writer.write({
      t: this.writer.now(),
      type: 'in',
      protocol: peer.protocol,
      peer: peer.key,
      id: peer.id,
      room: firstRoom(peer),
      to,
      size: size(frame),
      ...content(frame),
      ...(refused && { refused: `${refused.code} ${refused.reason}` }),
    });
  }

  sent(e: SentEvent): void {
    const t = this.writer.now();
    const sender = typeof e.origin === 'string' ? undefined : e.origin;
    if (sender && e.inbound !== undefined)
      this.writer.write({ t, type: 'in', protocol: e.protocol, peer: sender.key, id: sender.id, room: e.room, to: e.to, size: size(e.inbound), ...content(e.inbound) });
    const from = sender ? sender.key : (e.origin as string);
    if (Buffer.isBuffer(e.frame)) {
      this.writer.write({ t, type: 'out', protocol: e.protocol, from, room: e.room, to: e.recipients.map((r) => r.key), size: e.frame.length, text: e.frame.toString() });
      return;
    }
    const frames = e.frame as readonly Buffer[];
    for (let i = 0; i < frames.length; i++)
      this.writer.write({ t, type: 'out', protocol: e.protocol, from, room: e.room, to: [e.recipients[i]!.key], size: frames[i]!.length, text: frames[i]!.toString() });
  }

  dropped({ peer, frame, code, reason }: DropEvent): void {
    this.writer.write({
      t: this.writer.now(),
      type: 'out',
      protocol: peer.protocol,
      from: 'relay',
      room: firstRoom(peer),
      to: [],
      dropped: [peer.key],
      size: frame.length,
      text: frame.toString(),
      reason: `${code} ${reason}`,
    });
  }

  requested(call: RequestEvent): void {
    const { query, stripped } = stripQuery(call.query);
    this.writer.write({ t: this.writer.now(), type: 'http', ...call, query, ...(stripped.length > 0 && { stripped }) });
  }
}
