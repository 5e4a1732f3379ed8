import type { IncomingMessage } from 'node:http';

/** The client's address as the relay sees it, without the IPv4-mapped IPv6 prefix. */
export function remoteAddress(req: IncomingMessage): string {
  const addr = req.socket.remoteAddress ?? '';
  return addr.startsWith('::ffff:') ? addr.slice(7) : addr;
}
