import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { networkInterfaces } from 'node:os';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { ProtocolName } from '../config/schema.js';
import type { Hub } from '../core/hub.js';
import type { Dialect } from '../dialects/types.js';
import { renderMetrics } from './metrics.js';

/** A plain HTTP route; returns false when the request is not its own. */
export type HttpRoute = (req: IncomingMessage, res: ServerResponse, url: URL) => boolean;
/** A WebSocket upgrade the relay serves itself (the console API); returns false when not its own. */
export type UpgradeRoute = (req: IncomingMessage, socket: Duplex, head: Buffer, url: URL) => boolean;

export interface ListenerSpec {
  host: string;
  port: number;
  /** The protocols it serves, routed by path; the first takes any path that none claims. */
  protocols: ProtocolName[];
  /** The main listener also serves the console, the demos, /healthz and /metrics. */
  main: boolean;
}

export interface ListenerInfo {
  protocols: ProtocolName[];
  host: string;
  port: number;
  main: boolean;
  /** ws:// URLs a client can use: every LAN address when bound to all interfaces. */
  urls: string[];
}

/**
 * A socket's error handler for its whole life. Module-level on purpose: a closure in upgrade()
 * would share its scope with the accept callback and keep every request and URL alive.
 */
function destroySocket(this: Duplex): void {
  this.destroy();
}

/** Addresses a client on this machine or the LAN can reach a listener at. */
export function reachableHosts(host: string): string[] {
  if (host !== '0.0.0.0' && host !== '::') return [host];
  const lan: string[] = [];
  for (const addrs of Object.values(networkInterfaces()))
    for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) lan.push(a.address);
  return ['127.0.0.1', ...lan];
}

/**
 * One HTTP server per listener. Upgrades are routed by path to a dialect, each behind its own
 * WebSocketServer (so each protocol has its own frame limit); plain requests go to the relay's
 * own routes, then to the dialects' REST APIs.
 */
export class RelayServer {
  private readonly servers: Server[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly routes: HttpRoute[] = [];
  private readonly upgrades: UpgradeRoute[] = [];
  private readonly wss = new Map<ProtocolName, WebSocketServer>();
  readonly startedAt = Date.now();

  constructor(
    private readonly hub: Hub,
    private readonly dialects: ReadonlyMap<ProtocolName, Dialect>,
  ) {
    for (const d of dialects.values())
      this.wss.set(d.protocol, new WebSocketServer({ noServer: true, maxPayload: d.maxPayload, perMessageDeflate: false, clientTracking: false }));
  }

  addRoute(route: HttpRoute): void {
    this.routes.push(route);
  }

  addUpgrade(route: UpgradeRoute): void {
    this.upgrades.push(route);
  }

  async listen(specs: ListenerSpec[]): Promise<ListenerInfo[]> {
    const infos: ListenerInfo[] = [];
    for (const spec of specs) {
      const server = createServer((req, res) => this.request(spec, req, res));
      server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.upgrade(spec, req, socket, head));
      server.on('connection', (s: Socket) => {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
      });
      this.servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', (err: NodeJS.ErrnoException) =>
          reject(new Error(err.code === 'EADDRINUSE' ? `port ${spec.port} on ${spec.host} is already in use` : `cannot listen on ${spec.host}:${spec.port}: ${err.message}`)),
        );
        server.listen(spec.port, spec.host, () => resolve());
      });
      const port = (server.address() as { port: number }).port;
      infos.push({ ...spec, port, urls: reachableHosts(spec.host).map((h) => `ws://${h.includes(':') ? `[${h}]` : h}:${port}/`) });
    }
    return infos;
  }

  /** Stops accepting, gives open sockets a moment to flush their close frames, then ends them. */
  async close(graceMs = 1000): Promise<void> {
    for (const s of this.servers) s.close();
    const deadline = Date.now() + graceMs;
    while (this.sockets.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    for (const s of this.sockets) s.destroy();
    for (const w of this.wss.values()) w.close();
  }

  private pick(spec: ListenerSpec, url: URL): Dialect | undefined {
    for (const p of spec.protocols) if (this.dialects.get(p)?.claims(url)) return this.dialects.get(p);
    return this.dialects.get(spec.protocols[0]!);
  }

  private request(spec: ListenerSpec, req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://relay');
    if (spec.main && req.method === 'GET' && url.pathname === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: 'ok', peers: this.hub.size, uptimeSeconds: Math.round((Date.now() - this.startedAt) / 1000) }));
      return;
    }
    if (spec.main && req.method === 'GET' && url.pathname === '/metrics') {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
      res.end(renderMetrics(this.hub));
      return;
    }
    if (spec.main && this.routes.some((r) => r(req, res, url))) return;
    for (const p of spec.protocols) if (this.dialects.get(p)?.handleHttp?.(req, res, url)) return;
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(`Not found. Switchboard serves WebSockets here (${spec.protocols.join(', ')}).\n`);
  }

  private upgrade(spec: ListenerSpec, req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', destroySocket);
    const url = new URL(req.url ?? '/', 'http://relay');
    if (spec.main && this.upgrades.some((u) => u(req, socket, head, url))) return;
    const dialect = this.pick(spec, url);
    if (!dialect) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      return;
    }
    this.wss.get(dialect.protocol)!.handleUpgrade(req, socket, head, (ws) => dialect.accept(ws, req, url));
  }
}
