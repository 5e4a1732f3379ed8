import type { CloseEvent, DropEvent, InboundEvent, OpenEvent, RelayObserver, RequestEvent, SentEvent } from '../core/observe.js';
import type { Peer, PeerView } from '../core/peer.js';
import { stripQuery } from './format.js';
import type { CaptureWriter } from './writer.js';

const q = JSON.stringify;

/** A client frame's content as the record's last field: text as it is, a binary frame (the event's flag) as base64. */
const content = (frame: string | Buffer, binary: boolean | undefined): string =>
  typeof frame === 'string' ? `"text":${q(frame)}` : binary ? `"base64":"${frame.toString('base64')}"` : `"text":${q(frame.toString())}`;

const size = (frame: string | Buffer): number => (typeof frame === 'string' ? Buffer.byteLength(frame) : frame.length);

function firstRoom(peer: Peer): string | null {
  for (const r of peer.rooms) return r;
  return null;
}

function keys(recipients: readonly PeerView[]): string {
  if (recipients.length === 1) return `[${q(recipients[0]!.key)}]`;
  let out = '[';
  for (let i = 0; i < recipients.length; i++) out += (i > 0 ? ',' : '') + q(recipients[i]!.key);
  return out + ']';
}

/**
 * Writes what the relay does to a capture file, as an observer of its deliveries: opens with
 * their handshake, closes, each client frame whole (refused ones with why), and each frame the
 * relay sent with its recipients. It only formats lines; the writer decides when they reach
 * the disk. Frames are the relay's busiest path, so their records (docs/capture.md) are built
 * as text, with each peer's own fields made once.
 */
export class CaptureRecorder implements RelayObserver {
  /** `"protocol":...,"peer":...,"id":...` of each peer seen. */
  private readonly fields = new WeakMap<Peer, string>();

  constructor(private readonly writer: CaptureWriter) {}

  private peerFields(peer: Peer): string {
    let f = this.fields.get(peer);
    if (f === undefined) this.fields.set(peer, (f = `"protocol":${q(peer.protocol)},"peer":${q(peer.key)},"id":${q(peer.id)}`));
    return f;
  }

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

  inbound({ peer, frame, to, refused, binary }: InboundEvent): void {
    const why = refused ? `,"refused":${q(`${refused.code} ${refused.reason}`)}` : '';
    this.writer.line(`{"t":${this.writer.now()},"type":"in",${this.peerFields(peer)},"room":${q(firstRoom(peer))},"to":${q(to)},"size":${size(frame)}${why},${content(frame, binary)}}`);
  }

  sent(e: SentEvent): void {
    const w = this.writer;
    const t = w.now();
    const room = q(e.room);
    const sender = typeof e.origin === 'string' ? undefined : e.origin;
    if (sender && e.inbound !== undefined)
      w.line(`{"t":${t},"type":"in",${this.peerFields(sender)},"room":${room},"to":${q(e.to)},"size":${size(e.inbound)},${content(e.inbound, e.binary)}}`);
    const head = `{"t":${t},"type":"out","protocol":${q(e.protocol)},"from":${q(sender ? sender.key : e.origin)},"room":${room},"to":`;
    if (Buffer.isBuffer(e.frame)) {
      w.line(`${head}${keys(e.recipients)},"size":${e.frame.length},"text":${q(e.frame.toString())}}`);
      return;
    }
    const frames = e.frame as readonly Buffer[];
    for (let i = 0; i < frames.length; i++) w.line(`${head}[${q(e.recipients[i]!.key)}],"size":${frames[i]!.length},"text":${q(frames[i]!.toString())}}`);
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
      reason: `${code} ${reason}`,
      size: frame.length,
      text: frame.toString(),
    });
  }

  requested(call: RequestEvent): void {
    const { query, stripped } = stripQuery(call.query);
    this.writer.write({ t: this.writer.now(), type: 'http', ...call, query, ...(stripped.length > 0 && { stripped }) });
  }
}
