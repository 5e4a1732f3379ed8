import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';

/** Opcodes of RFC 6455, and some it reserves. */
export const OP = { continuation: 0x0, text: 0x1, binary: 0x2, reserved: 0x3, close: 0x8, ping: 0x9, pong: 0xa } as const;

export interface FrameOptions {
  fin?: boolean;
  /** Clients must mask; false makes a frame the server must refuse. */
  mask?: boolean;
  /** RSV1-3 bits, 0-7. */
  rsv?: number;
  /** A payload length to announce instead of the real one. */
  announce?: bigint;
}

/** Builds one WebSocket frame as a client would, or as a broken client would. */
export function frame(opcode: number, payload: Buffer | string, opts: FrameOptions = {}): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const { fin = true, mask = true, rsv = 0 } = opts;
  const length = opts.announce ?? BigInt(body.length);
  const head: number[] = [(fin ? 0x80 : 0) | ((rsv & 7) << 4) | (opcode & 0xf)];
  const m = mask ? 0x80 : 0;
  let ext = Buffer.alloc(0);
  if (length < 126n) head.push(m | Number(length));
  else if (length < 65536n) {
    head.push(m | 126);
    ext = Buffer.alloc(2);
    ext.writeUInt16BE(Number(length));
  } else {
    head.push(m | 127);
    ext = Buffer.alloc(8);
    ext.writeBigUInt64BE(length);
  }
  if (!mask) return Buffer.concat([Buffer.from(head), ext, body]);
  const key = randomBytes(4);
  const masked = Buffer.from(body);
  for (let i = 0; i < masked.length; i++) masked[i] = masked[i]! ^ key[i % 4]!;
  return Buffer.concat([Buffer.from(head), ext, key, masked]);
}

export const closePayload = (code: number, reason = ''): Buffer => {
  const b = Buffer.alloc(2 + Buffer.byteLength(reason));
  b.writeUInt16BE(code);
  b.write(reason, 2);
  return b;
};

export interface CloseFrame {
  code: number;
  reason: string;
}

/**
 * A WebSocket client on a bare TCP socket, for the frames a real client library refuses to send.
 * It reads the server's frames only to find its close frame.
 */
export class RawSocket {
  private buffered = Buffer.alloc(0);
  private upgraded = false;
  private closeFrame: CloseFrame | undefined;
  private readonly watchers = new Set<() => void>();
  ended = false;

  private constructor(readonly socket: Socket) {
    socket.on('data', (d: Buffer) => {
      this.buffered = Buffer.concat([this.buffered, d]);
      this.parse();
      this.notify();
    });
    socket.on('close', () => {
      this.ended = true;
      this.notify();
    });
    socket.on('error', () => undefined);
  }

  /** A TCP connection that has sent nothing yet. */
  static connect(port: number): Promise<RawSocket> {
    return new Promise((resolve, reject) => {
      const s = connect(port, '127.0.0.1', () => resolve(new RawSocket(s)));
      s.once('error', reject);
    });
  }

  /** A TCP connection that has completed a WebSocket handshake at `path`. */
  static async upgrade(port: number, path: string): Promise<RawSocket> {
    const raw = await RawSocket.connect(port);
    raw.socket.write(
      `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    );
    if (!(await raw.until(() => raw.upgraded || raw.ended, 5000)) || !raw.upgraded)
      throw new Error(`no 101 for ${path}: ${raw.buffered.toString('latin1').slice(0, 200)}`);
    return raw;
  }

  write(data: Buffer | string): void {
    if (!this.socket.destroyed) this.socket.write(data);
  }

  /** The server's close frame, or undefined if the socket ended without one within `ms`. */
  async closed(ms = 5000): Promise<CloseFrame | undefined> {
    await this.until(() => this.closeFrame !== undefined || this.ended, ms);
    return this.closeFrame;
  }

  destroy(): void {
    this.socket.destroy();
  }

  /** Waits (bounded) until `done` holds; resolves whether it did. */
  private until(done: () => boolean, ms: number): Promise<boolean> {
    if (done()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const check = (): void => {
        if (!done()) return;
        finish(true);
      };
      const finish = (ok: boolean): void => {
        clearTimeout(timer);
        this.watchers.delete(check);
        resolve(ok);
      };
      const timer = setTimeout(() => finish(false), ms);
      this.watchers.add(check);
    });
  }

  private notify(): void {
    for (const w of [...this.watchers]) w();
  }

  private parse(): void {
    if (!this.upgraded) {
      const end = this.buffered.indexOf('\r\n\r\n');
      if (end < 0) return;
      if (!this.buffered.subarray(0, 12).toString('latin1').startsWith('HTTP/1.1 101')) return;
      this.upgraded = true;
      this.buffered = this.buffered.subarray(end + 4);
    }
    // Server frames are unmasked; only the close frame matters here.
    while (this.buffered.length >= 2 && !this.closeFrame) {
      const opcode = this.buffered[0]! & 0xf;
      let len = this.buffered[1]! & 0x7f;
      let at = 2;
      if (len === 126) {
        if (this.buffered.length < 4) return;
        len = this.buffered.readUInt16BE(2);
        at = 4;
      } else if (len === 127) {
        if (this.buffered.length < 10) return;
        len = Number(this.buffered.readBigUInt64BE(2));
        at = 10;
      }
      if (this.buffered.length < at + len) return;
      const payload = this.buffered.subarray(at, at + len);
      this.buffered = this.buffered.subarray(at + len);
      if (opcode === OP.close)
        this.closeFrame = { code: payload.length >= 2 ? payload.readUInt16BE(0) : 1005, reason: payload.subarray(2).toString('utf8') };
    }
  }
}
