import type { IncomingMessage } from 'node:http';
import type { Handshake } from '../core/peer.js';

/**
 * Headers kept from an opening request: those a protocol or a proxy reads. Credentials
 * (Authorization, Cookie, channelstream's signature) are never among them.
 */
export const HANDSHAKE_HEADERS: readonly string[] = [
  'host',
  'origin',
  'user-agent',
  'sec-websocket-protocol',
  'x-peer-group',
  'x-peer-meta',
  'x-forwarded-for',
  'x-forwarded-proto',
  'x-real-ip',
  'forwarded',
];

/** What a client asked for when it opened: its path and query as sent, and the first value of each kept header. */
export function handshakeOf(req: IncomingMessage): Handshake {
  const target = req.url ?? '/';
  const q = target.indexOf('?');
  const headers: Record<string, string> = {};
  for (const name of HANDSHAKE_HEADERS) {
    const value = req.headersDistinct[name]?.[0];
    if (value !== undefined) headers[name] = value;
  }
  return { path: q < 0 ? target : target.slice(0, q), query: q < 0 ? '' : target.slice(q + 1), headers };
}
