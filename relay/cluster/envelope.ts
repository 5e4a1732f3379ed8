/**
 * What one node publishes to another on its `to:<node>` channel: frames for some of its local
 * peers, or a request to close one. A frame's bytes are encoded once by the sender and travel
 * once per destination node, with the keys of every recipient there; the frames a node routes
 * to another in one turn of its event loop travel together, in one publish.
 *
 * Layout: u32 big-endian header length, the header as JSON, then the frames' bytes in order:
 * per batch, one frame shared by every recipient, or one per recipient (their lengths in the
 * header).
 */

/** One routed frame for some recipients of the destination node. */
export interface Batch {
  /** Local keys (without the node prefix) of the recipients on the destination node. */
  to: string[];
  /** One frame for all, or one per recipient in the order of `to`. */
  frames: Buffer | Buffer[];
}

export type Envelope = { kind: 'frames'; batches: Batch[] } | { kind: 'close'; key: string; code: number; reason: string };

interface Header {
  t: 'f' | 'c';
  /** Per batch: its recipients and its frame's length, or each recipient's frame's. */
  b?: [string[], number | number[]][];
  k?: string;
  c?: number;
  w?: string;
}

export function encodeEnvelope(env: Envelope): Buffer {
  let header: Header;
  const body: Buffer[] = [];
  if (env.kind === 'close') header = { t: 'c', k: env.key, c: env.code, w: env.reason };
  else {
    header = { t: 'f', b: [] };
    for (const { to, frames } of env.batches) {
      if (Buffer.isBuffer(frames)) {
        header.b!.push([to, frames.length]);
        body.push(frames);
      } else {
        header.b!.push([to, frames.map((f) => f.length)]);
        body.push(...frames);
      }
    }
  }
  const head = Buffer.from(JSON.stringify(header));
  const size = Buffer.allocUnsafe(4);
  size.writeUInt32BE(head.length);
  return Buffer.concat([size, head, ...body]);
}

/** Reads an envelope; a malformed one (another program on the channel) is an error. */
export function decodeEnvelope(buf: Buffer): Envelope {
  if (buf.length < 4) throw new Error('cluster envelope too short');
  const headEnd = 4 + buf.readUInt32BE(0);
  if (headEnd > buf.length) throw new Error('cluster envelope header past its end');
  const header = JSON.parse(buf.subarray(4, headEnd).toString()) as Header;
  if (header.t === 'c') return { kind: 'close', key: String(header.k), code: Number(header.c), reason: String(header.w ?? '') };
  if (header.t !== 'f' || !Array.isArray(header.b)) throw new Error('cluster envelope of unknown kind');
  let at = headEnd;
  const take = (len: number): Buffer => {
    if (!Number.isInteger(len) || len < 0 || at + len > buf.length) throw new Error('cluster envelope frames past its end');
    const frame = buf.subarray(at, at + len);
    at += len;
    return frame;
  };
  const batches = header.b.map(([to, lens]): Batch => {
    if (!Array.isArray(to)) throw new Error('cluster envelope batch without recipients');
    if (!Array.isArray(lens)) return { to, frames: take(lens) };
    if (lens.length !== to.length) throw new Error('cluster envelope frames do not match their recipients');
    return { to, frames: lens.map(take) };
  });
  if (at !== buf.length) throw new Error('cluster envelope longer than its frames');
  return { kind: 'frames', batches };
}
