/**
 * A capture seen as the console sees a live relay: traffic records, peers and rooms, made from
 * the file alone. Pure code: the renderer opens captures with no relay attached.
 */
import { parseCapture, type Capture, type CaptureHeader, type CaptureRecord, type EndRecord, type FrameContent } from '../capture/format.js';
import type { PeerInfo, TrafficKind, TrafficRecord } from './types.js';

export { parseCapture, CaptureFormatError } from '../capture/format.js';

/** Characters of a frame a record's preview shows, as the live tap's previews are cut. */
const PREVIEW_CHARS = 512;

export interface CaptureView {
  header: CaptureHeader;
  /** Oldest first; `seq` is the record's line in the file. */
  records: TrafficRecord[];
  /** Each record's whole frame, by seq. */
  frames: Map<number, FrameContent>;
  /** Every peer the capture saw connect, by key, with its counters at the end. */
  peers: Map<string, PeerInfo>;
  /** Keys of the peers still connected when the capture ended. */
  open: Set<string>;
  /** The end line, when the capture ended properly. */
  end: EndRecord | undefined;
}

const closeOf = (s: string | undefined): { code: number; reason: string } | undefined => {
  const m = s === undefined ? null : /^(\d+) ?(.*)$/s.exec(s);
  return m ? { code: Number(m[1]), reason: m[2]! } : undefined;
};

const previewOf = (c: FrameContent): string => (c.base64 !== undefined ? `(binary, base64) ${c.base64.slice(0, PREVIEW_CHARS)}` : (c.text ?? '').slice(0, PREVIEW_CHARS));

export function captureView(text: string): CaptureView {
  return viewOf(parseCapture(text));
}

export function viewOf(capture: Capture): CaptureView {
  const { header } = capture;
  const records: TrafficRecord[] = [];
  const frames = new Map<number, FrameContent>();
  const peers = new Map<string, PeerInfo>();
  const open = new Set<string>();
  /** The last client frame of each peer, which its `out` record (same time) completes. */
  const lastIn = new Map<string, { rec: TrafficRecord; t: number }>();
  const idOf = (key: string): string => peers.get(key)?.id ?? key;
  let end: EndRecord | undefined;

  const push = (r: CaptureRecord, fields: Omit<TrafficRecord, 'seq' | 'ts'>, content?: FrameContent): TrafficRecord => {
    const rec: TrafficRecord = { seq: records.length + 2, ts: header.startedMs + r.t / 1000, ...fields };
    records.push(rec);
    if (content) frames.set(rec.seq, content);
    return rec;
  };
  for (const r of capture.records) {
    switch (r.type) {
      case 'open':
        peers.set(r.peer, {
          key: r.peer,
          id: r.id,
          protocol: r.protocol,
          rooms: [],
          meta: (r.meta ?? {}) as PeerInfo['meta'],
          remote: r.remote,
          connectedAt: header.startedMs + r.t / 1000,
          msgsIn: 0,
          msgsOut: 0,
          bytesIn: 0,
          bytesOut: 0,
          drops: 0,
        });
        open.add(r.peer);
        push(r, { kind: 'open', protocol: r.protocol, room: null, from: r.id, to: null, recipients: 0, size: 0, preview: `${r.remote} ${r.path}${r.query ? `?${r.query}` : ''}` });
        break;
      case 'close': {
        open.delete(r.peer);
        const relay = r.by === 'relay';
        push(r, { kind: 'close', protocol: r.protocol, room: null, from: relay ? 'relay' : r.id, to: relay ? r.id : null, recipients: 0, size: 0, preview: '', code: r.code, reason: r.reason });
        break;
      }
      case 'in': {
        const p = peers.get(r.peer);
        if (p) {
          p.msgsIn++;
          p.bytesIn += r.size;
          if (r.room !== null && !p.rooms.includes(r.room)) p.rooms.push(r.room);
        }
        const refused = closeOf(r.refused);
        const rec = push(r, { kind: 'message', protocol: r.protocol, room: r.room, from: r.id, to: r.to ?? null, recipients: 0, size: r.size, preview: previewOf(r), ...refused }, r);
        lastIn.set(r.peer, { rec, t: r.t });
        break;
      }
      case 'out': {
        for (const key of r.to) {
          const p = peers.get(key);
          if (!p) continue;
          p.msgsOut++;
          p.bytesOut += r.size;
          if (r.room !== null && !p.rooms.includes(r.room)) p.rooms.push(r.room);
        }
        const single = r.to.length === 1 ? idOf(r.to[0]!) : null;
        if (r.dropped?.length) {
          for (const key of r.dropped) {
            const p = peers.get(key);
            if (p) p.drops++;
          }
          push(r, { kind: 'drop', protocol: r.protocol, room: r.room, from: 'relay', to: idOf(r.dropped[0]!), recipients: 0, size: r.size, preview: previewOf(r), ...closeOf(r.reason) }, r);
          break;
        }
        const sent = lastIn.get(r.from);
        if (sent && sent.t === r.t && sent.rec.recipients === 0) {
          // The client's frame and what the relay made of it: one record, as the live tap shows it.
          sent.rec.recipients = r.to.length;
          sent.rec.to = r.to.length === 1 ? single : null;
          if (r.to.length > 1) sent.rec.recipientIds = r.to.map(idOf);
          lastIn.delete(r.from);
          break;
        }
        const kind: TrafficKind = r.from === 'operator' ? 'operator' : r.from === 'relay' ? 'relay' : 'message';
        const fanout = r.to.length > 1 ? { recipientIds: r.to.map(idOf) } : {};
        push(r, { kind, protocol: r.protocol, room: r.room, from: kind === 'message' ? idOf(r.from) : r.from, to: single, recipients: r.to.length, size: r.size, preview: previewOf(r), ...fanout }, r);
        break;
      }
      case 'http': {
        const call = `${r.method} ${r.path}${r.query ? `?${r.query}` : ''}`;
        const preview = `${call} ${r.body}`.slice(0, PREVIEW_CHARS);
        push(r, { kind: 'message', protocol: r.protocol, room: null, from: `http ${r.remote}`, to: 'relay', recipients: 0, size: r.body.length, preview }, { text: `${call}\n${r.body}\n\n${r.status} ${r.response}` });
        break;
      }
      case 'end':
        end = r;
        break;
    }
  }
  return { header, records, frames, peers, open, end };
}
