import { readFile } from 'node:fs/promises';
import { createServer, STATUS_CODES, type IncomingMessage, type RequestListener, type Server, type ServerOptions, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { Socket } from 'node:net';
import { networkInterfaces } from 'node:os';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type ServerOptions as WsServerOptions } from 'ws';
import { ConfigError } from '../config/load.js';
import { bindsAllInterfaces, type Config, type ProtocolName } from '../config/schema.js';
import type { Core } from '../core/core.js';
import type { Dialect } from '../dialects/types.js';
import { Admission } from './admission.js';
import { arrivalOf, openSocket } from './connection.js';
import { RelayMetrics } from './metrics.js';
import { packageVersion } from './static.js';
import { proxyTrust } from '../config/load.js';
import { ProxyTrust, remoteAddress, settleClientAddress } from '../net/remote.js';
import { requestUrl, unreadableTarget } from './target.js';
import { fitReason } from '../core/socket.js';

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
  /** ws:// (or wss://) URLs a client can use: every LAN address when bound to all interfaces. */
  urls: string[];
}

/**
 * A socket's error handler for its whole life. Module-level on purpose: a closure in upgrade()
 * would share its scope with the accept callback and keep every request and URL alive.
 */
function destroySocket(this: Duplex): void {
  this.destroy();
}

/** The http(s) origin of a listener's ws(s) URL, where its pages (the console, the demos) are. */
export function pageOrigin(wsUrl: string): string {
  const u = new URL(wsUrl);
  return `${u.protocol === 'wss:' ? 'https' : 'http'}://${u.host}`;
}

/** Addresses a client on this machine or the LAN can reach a listener at. */
export function reachableHosts(host: string): string[] {
  if (!bindsAllInterfaces(host)) return [host];
  const lan: string[] = [];
  for (const addrs of Object.values(networkInterfaces()))
    for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) lan.push(a.address);
  return ['127.0.0.1', ...lan];
}

/** What Node itself answers a request it cannot parse or that came too slowly (its default clientError reply). */
function clientErrorStatus(err: NodeJS.ErrnoException): number {
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') return 408;
  if (err.code === 'HPE_HEADER_OVERFLOW') return 431;
  return 400;
}

/** The original msg-relay dropped a request that reached 64 KiB; Node's own default is 16 KiB. */
const MAX_REQUEST_HEADER_BYTES = 64 * 1024;

interface TlsFiles {
  cert: Buffer;
  key: Buffer;
}

async function readTlsFiles(config: Config): Promise<TlsFiles | undefined> {
  if (!config.tlsCert && !config.tlsKey) return undefined;
  // loadConfig has checked that both are set.
  const read = async (key: 'tlsCert' | 'tlsKey'): Promise<Buffer> => {
    try {
      return await readFile(config[key]);
    } catch (err) {
      throw new ConfigError(`key "${key}": cannot read "${config[key]}" (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
    }
  };
  return { cert: await read('tlsCert'), key: await read('tlsKey') };
}

/**
 * One HTTP (or HTTPS) server per listener. Upgrades are routed by path to a dialect, each behind its own
 * WebSocketServer (so each protocol has its own frame limit); plain requests go to the relay's
 * own routes, then to the dialects' REST APIs.
 */
export class RelayServer {
  private readonly servers: Server[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly routes: HttpRoute[] = [];
  private readonly upgrades: UpgradeRoute[] = [];
  private readonly wss = new Map<ProtocolName, WebSocketServer>();
  private readonly admission: Admission;
  private readonly trust: ProxyTrust;
  readonly startedAt = Date.now();
  readonly metrics: RelayMetrics;

  constructor(
    private readonly core: Core,
    private readonly dialects: ReadonlyMap<ProtocolName, Dialect>,
    private readonly config: Config,
  ) {
    this.metrics = new RelayMetrics(core, { version: packageVersion() });
    this.admission = new Admission(config, core.hub, (status) => this.metrics.refused(status));
    this.trust = proxyTrust(config);
    for (const d of dialects.values()) {
      // ws takes closeTimeout and maxPendingAutoPongs; @types/ws does not list them yet.
      const options: WsServerOptions & { closeTimeout: number; maxPendingAutoPongs: number } = {
        noServer: true,
        maxPayload: d.maxPayload,
        perMessageDeflate: false,
        clientTracking: false,
        closeTimeout: config.closeTimeoutMs,
        // ws's own cap (60 unsent pongs) drops a socket without a word. bindSocket closes a client
        // that pings without reading once its queue is full, with 1013 and a reason, well before
        // this many pongs (each at least 2 bytes) can be pending; this stays as a backstop.
        maxPendingAutoPongs: Math.ceil(config.maxQueueBytes / 2) + 1,
      };
      this.wss.set(d.protocol, new WebSocketServer(options));
    }
  }

  /** HTTP, or HTTPS when a certificate is configured; either way a request whose headers are late is dropped. */
  private createServer(tls: TlsFiles | undefined, onRequest: RequestListener): Server {
    const timeout = this.config.handshakeTimeoutMs;
    const options: ServerOptions = {
      maxHeaderSize: MAX_REQUEST_HEADER_BYTES,
      headersTimeout: timeout,
      // Node's own bare 408 for a body no route reads; a route that reads one answers first, with a reason.
      requestTimeout: timeout + this.config.bodyTimeoutMs,
      // How often Node looks for late requests: often enough to honour a short timeout.
      connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(timeout / 4))),
    };
    return tls ? createTlsServer({ ...options, ...tls, handshakeTimeout: timeout }, onRequest) : createServer(options, onRequest);
  }

  addRoute(route: HttpRoute): void {
    this.routes.push(route);
  }

  addUpgrade(route: UpgradeRoute): void {
    this.upgrades.push(route);
  }

  async listen(specs: ListenerSpec[]): Promise<ListenerInfo[]> {
    const infos: ListenerInfo[] = [];
    const tls = await readTlsFiles(this.config);
    const scheme = tls ? 'wss' : 'ws';
    for (const spec of specs) {
      const server = this.createServer(tls, (req, res) => this.request(spec, req, res));
      server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.upgrade(spec, req, socket, head));
      server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => this.clientError(err, socket));
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
      infos.push({ ...spec, port, urls: reachableHosts(spec.host).map((h) => `${scheme}://${h.includes(':') ? `[${h}]` : h}:${port}/`) });
    }
    return infos;
  }

  /** Stops accepting new connections; sockets already open stay open (used to move listeners). */
  async unlisten(): Promise<void> {
    for (const s of this.servers.splice(0)) s.close();
    // The listening handles are released at the end of this loop turn; their open connections live on.
    await new Promise((r) => setImmediate(r));
  }

  /** Stops accepting, gives open sockets a moment to flush their close frames, then ends them. */
  async close(graceMs = 1000): Promise<void> {
    await this.unlisten();
    const deadline = Date.now() + graceMs;
    while (this.sockets.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    for (const s of this.sockets) s.destroy();
    for (const w of this.wss.values()) w.close();
  }

  private pick(spec: ListenerSpec, url: URL): Dialect | undefined {
    for (const p of spec.protocols) if (this.dialects.get(p)?.claims(url)) return this.dialects.get(p);
    return this.dialects.get(spec.protocols[0]!);
  }

  /**
   * A request's failure stays with that request: the client gets a status and a reason, the log
   * gets the stack, and the listener goes on. Routes that answer later catch their own errors.
   */
  private request(spec: ListenerSpec, req: IncomingMessage, res: ServerResponse): void {
    try {
      this.serveRequest(spec, req, res);
    } catch (err) {
      const reason = this.failed(req, err);
      if (res.headersSent) res.destroy();
      else {
        res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' });
        res.end(`${reason}\n`);
      }
    }
  }

  private upgrade(spec: ListenerSpec, req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', destroySocket);
    try {
      this.serveUpgrade(spec, req, socket, head);
    } catch (err) {
      const reason = this.failed(req, err);
      socket.end(`HTTP/1.1 500 Internal Server Error\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${reason}\n`);
    }
  }

  /** Logs an error a request ran into, with its stack; returns the reason to give the client. */
  private failed(req: IncomingMessage, err: unknown): string {
    const e = err instanceof Error ? err : new Error(String(err));
    const target = JSON.stringify((req.url ?? '').slice(0, 200));
    this.core.log.add('error', 'error', `${req.method ?? 'GET'} ${target} from ${remoteAddress(req)}: ${e.stack ?? e.message}`, { remote: remoteAddress(req) });
    return `internal error: ${e.message}`;
  }

  private serveRequest(spec: ListenerSpec, req: IncomingMessage, res: ServerResponse): void {
    settleClientAddress(req, this.trust);
    const url = requestUrl(req.url);
    if (!url) return this.admission.refuseRequest(req, res, { status: 400, reason: unreadableTarget(req.url) });
    if (spec.main && req.method === 'GET' && url.pathname === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' });
      const { status, ...cluster } = this.core.bus.status();
      const body = { status, peers: this.core.hub.size, uptimeSeconds: Math.round((Date.now() - this.startedAt) / 1000), ...(cluster.node ? { cluster } : {}) };
      res.end(JSON.stringify(body));
      return;
    }
    if (spec.main && req.method === 'GET' && url.pathname === '/metrics') {
      this.metrics.render().then(
        (text) => {
          res.writeHead(200, { 'content-type': this.metrics.contentType });
          res.end(text);
        },
        (err: Error) => {
          res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
          res.end(`metrics failed: ${err.message}\n`);
        },
      );
      return;
    }
    if (spec.main && this.routes.some((r) => r(req, res, url))) return;
    // Protocol requests refused (the access token, channelstream's REST API) are counted as their reply goes out.
    res.once('finish', () => this.metrics.refused(res.statusCode));
    const refused = this.admission.access(req, url);
    if (refused) return this.admission.refuseRequest(req, res, refused);
    for (const p of spec.protocols) if (this.dialects.get(p)?.handleHttp?.(req, res, url)) return;
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(`Not found. Switchboard serves WebSockets here (${spec.protocols.join(', ')}).\n`);
  }

  /** Node's own reply to a request it cannot take (headers too slow or too large, bad HTTP), counted. */
  private clientError(err: NodeJS.ErrnoException, socket: Duplex): void {
    const status = clientErrorStatus(err);
    this.metrics.refused(status);
    if (socket.writable && (socket as Socket).bytesWritten === 0) socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\n\r\n`);
    socket.destroy(err);
  }

  private serveUpgrade(spec: ListenerSpec, req: IncomingMessage, socket: Duplex, head: Buffer): void {
    settleClientAddress(req, this.trust);
    const url = requestUrl(req.url);
    if (!url) return this.admission.refuseUpgrade(req, socket, { status: 400, reason: unreadableTarget(req.url) });
    if (spec.main && this.upgrades.some((u) => u(req, socket, head, url))) return;
    const dialect = this.pick(spec, url);
    if (!dialect) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      return;
    }
    const denied = this.admission.access(req, url);
    if (denied) return this.admission.refuseUpgrade(req, socket, denied);
    // After access(), which takes the token off the URL.
    const arrival = arrivalOf(req, url);
    const refused = this.admission.upgrade(req, dialect.protocol, dialect.inspectUpgrade?.(arrival));
    if (refused) return this.admission.refuseUpgrade(req, socket, refused);
    this.wss.get(dialect.protocol)!.handleUpgrade(req, socket, head, (ws) => {
      this.admission.opened(ws, req);
      try {
        openSocket(this.core, dialect, ws, arrival);
      } catch (err) {
        ws.close(1011, fitReason(this.failed(req, err)));
      }
    });
  }
}
