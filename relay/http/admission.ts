import { createHash, timingSafeEqual } from 'node:crypto';
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import type { Config, ProtocolName } from '../config/schema.js';
import type { Hub } from '../core/hub.js';
import type { UpgradeAsk } from '../dialects/types.js';
import { remoteAddress } from '../net/remote.js';
import { withoutQueryParam } from './target.js';

/** Why a request is turned away, as an HTTP status and a line of text the client can read. */
export interface Refusal {
  status: number;
  reason: string;
}

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/**
 * The relay's front door for protocol traffic: the access token, the Origin allow-list, and the
 * limits on connections, rooms and metadata, all judged here before a protocol sees a request.
 * The console's own routes are not behind it: they have their own token.
 */
export class Admission {
  private open = 0;
  private readonly byAddress = new Map<string, number>();
  private readonly token: Buffer | undefined;
  private readonly origins: Set<string>;

  constructor(
    private readonly config: Config,
    private readonly hub: Hub,
    /** Told of every upgrade refused, by status (plain requests are counted as their reply goes out). */
    private readonly onRefusedUpgrade: (status: number) => void,
  ) {
    this.token = config.accessToken ? digest(config.accessToken) : undefined;
    this.origins = new Set(config.allowedOrigins.map((o) => o.toLowerCase().replace(/\/$/, '')));
  }

  /**
   * Token and Origin, for every protocol request, WebSocket or plain HTTP. When an access token
   * is configured, takes the `token` query parameter off the URL (and req.url, every other byte
   * as sent) so no protocol mistakes it for its own; without one, `token` is the client's own
   * parameter like any other (part of a spacewar room, as in the original).
   */
  access(req: IncomingMessage, url: URL): Refusal | undefined {
    const fromQuery = this.token ? url.searchParams.get('token') : null;
    if (fromQuery !== null) {
      url.searchParams.delete('token');
      req.url = withoutQueryParam(req.url ?? '/', 'token');
    }
    const origin = req.headers.origin;
    if (this.origins.size > 0 && origin !== undefined && !this.origins.has(origin.toLowerCase()))
      return { status: 403, reason: `origin ${origin} is not allowed here` };
    if (this.token) {
      const bearer = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1];
      const given = bearer ?? fromQuery ?? undefined;
      if (given === undefined) return { status: 401, reason: 'an access token is required (Authorization: Bearer TOKEN, or ?token=TOKEN)' };
      if (!timingSafeEqual(digest(given), this.token)) return { status: 401, reason: 'the access token is wrong' };
    }
    return undefined;
  }

  /** Connection counts, rooms and metadata, for a WebSocket upgrade a protocol is about to accept. */
  upgrade(req: IncomingMessage, protocol: ProtocolName, ask: UpgradeAsk = {}): Refusal | undefined {
    const { maxConnections, maxConnectionsPerAddress, maxMetaBytes } = this.config;
    if (this.open >= maxConnections) return { status: 503, reason: `connection limit reached: the relay holds ${maxConnections} connections` };
    const remote = remoteAddress(req);
    if ((this.byAddress.get(remote) ?? 0) >= maxConnectionsPerAddress)
      return { status: 429, reason: `connection limit reached: ${maxConnectionsPerAddress} connections from ${remote}` };
    if (ask.metaBytes !== undefined && ask.metaBytes > maxMetaBytes)
      return { status: 431, reason: `peer metadata is ${ask.metaBytes} bytes: the limit is ${maxMetaBytes}` };
    const full = ask.rooms && this.hub.roomsRefused(protocol, ask.rooms);
    return full ? { status: 503, reason: full } : undefined;
  }

  /** Counts an accepted socket against the connection limits until it closes. */
  opened(ws: WebSocket, req: IncomingMessage): void {
    const remote = remoteAddress(req);
    this.open++;
    this.byAddress.set(remote, (this.byAddress.get(remote) ?? 0) + 1);
    ws.once('close', () => {
      this.open--;
      const left = (this.byAddress.get(remote) ?? 1) - 1;
      if (left > 0) this.byAddress.set(remote, left);
      else this.byAddress.delete(remote);
    });
  }

  /** Tells the console's log, then the client. */
  refuseUpgrade(req: IncomingMessage, socket: Duplex, refusal: Refusal): void {
    this.logRefusal(req, refusal);
    this.onRefusedUpgrade(refusal.status);
    const body = refusal.reason + '\n';
    const extra = refusal.status === 401 ? 'WWW-Authenticate: Bearer realm="switchboard"\r\n' : '';
    socket.end(
      `HTTP/1.1 ${refusal.status} ${STATUS_CODES[refusal.status]}\r\nConnection: close\r\n${extra}` +
        `Content-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  }

  refuseRequest(req: IncomingMessage, res: ServerResponse, refusal: Refusal): void {
    this.logRefusal(req, refusal);
    const headers: Record<string, string> = { 'content-type': 'text/plain; charset=utf-8' };
    if (refusal.status === 401) headers['www-authenticate'] = 'Bearer realm="switchboard"';
    res.writeHead(refusal.status, headers);
    res.end(refusal.reason + '\n');
  }

  private logRefusal(req: IncomingMessage, refusal: Refusal): void {
    const path = (req.url ?? '/').split('?')[0];
    this.hub.log.add('warn', 'refused', `${remoteAddress(req)} ${path}: ${refusal.status} ${refusal.reason}`, { code: refusal.status, reason: refusal.reason });
  }
}
