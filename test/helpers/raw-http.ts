import { connect } from 'node:net';

export interface RawAnswer {
  /** The status line's code, or 0 when the connection ended without an answer. */
  status: number;
  /** Everything after the header block. */
  body: string;
}

/**
 * Sends bytes no HTTP client library would send (a request target it would normalise) and
 * reads the answer until the relay closes the connection, or the time runs out.
 */
export function rawHttp(port: number, request: string, ms = 5000): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(request));
    let data = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no complete answer within ${ms} ms: ${JSON.stringify(data.slice(0, 200))}`));
    }, ms);
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (data += chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(data)?.[1] ?? 0);
      const cut = data.indexOf('\r\n\r\n');
      resolve({ status, body: cut < 0 ? '' : data.slice(cut + 4) });
    });
  });
}

/** A GET of this raw request target that asks the relay to close the connection after answering. */
export const rawGet = (target: string, headers = ''): string => `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n${headers}\r\n`;

/** A WebSocket upgrade of this raw request target. */
export const rawUpgrade = (target: string): string =>
  `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
  'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n';
