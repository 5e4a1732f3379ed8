/**
 * What one node publishes to another on its `to:<node>` channel: frames for some of its local
 * peers, or a request to close one. A frame's bytes are encoded once by the sender and travel
 * once per destination node, with the keys of every recipient there.
 *
 * Layout: u32 big-endian header length, the header as JSON, then the frame bytes (one frame
 * shared by every recipient, or one per recipient, their lengths in the header).
 */

export type Envelope =
  | {
      kind: 'frames';
      /** Local keys (without the node prefix) of the recipients on the destination node. */
      to: string[];
      /** One frame for all, or one per recipient in the order of `to`. */
      frames: Buffer | Buffer[];
    }
  | { kind: 'close'; key: string; code: number; reason: string };

interface Header {
  t: 'f' | 'c';
  to?: string[];
  l?: number[];
  k?: string;
  c?: number;
  w?: string;
}

export function encodeEnvelope(env: Envelope): Buffer {
  let header: Header;
  let body: Buffer[] = [];
  if (env.kind === 'close') header = { t: 'c', k: env.key, c: env.code, w: env.reason };
  else if (Buffer.isBuffer(env.frames)) {
    header = { t: 'f', to: env.to };
    body = [env.frames];
  } else {
    header = { t: 'f', to: env.to, l: env.frames.map((f) => f.length) };
    body = env.frames;
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
  if (header.t !== 'f' || !Array.isArray(header.to)) throw new Error('cluster envelope of unknown kind');
  const body = buf.subarray(headEnd);
  if (!header.l) return { kind: 'frames', to: header.to, frames: body };
  const frames: Buffer[] = [];
  let at = 0;
  for (const len of header.l) {
    frames.push(body.subarray(at, at + len));
    at += len;
  }
  if (frames.length !== header.to.length || at !== body.length) throw new Error('cluster envelope frames do not match their recipients');
  return { kind: 'frames', to: header.to, frames };
}
