import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { remoteAddress } from '../net/remote.js';
import { pageOrigin } from '../http/server.js';
import { builtDir, packageVersion, staticRoute } from '../http/static.js';
import { CONSOLE_HEADERS } from './csp.js';
import type { Relay } from '../relay.js';
import { SHUTDOWN_CODE, SHUTDOWN_REASON } from '../relay.js';
import { ConsoleError } from './errors.js';
import { ConsoleGate, type GateRefusal } from './gate.js';
import { ConsoleService, type ConsoleServiceOptions } from './service.js';
import type { ConsoleRequestFrame, ConsoleServerFrame } from './types.js';

export const CONSOLE_PATH = '/console/';
export const CONSOLE_API_PATH = '/console/api';
export const DEMO_PATH = '/demo/';
/** A capture file of this run, by name: GET /console/capture/NAME with the console token. */
export const CAPTURE_PATH = '/console/capture/';
/** Over this many unsent bytes a console gets no traffic until it catches up (it sees "skipped"). */
const TRAFFIC_BACKLOG_BYTES = 1024 * 1024;
/** Over this many a console is closed: it reconnects and starts fresh rather than hold the relay's memory. */
const MAX_BACKLOG_BYTES = 32 * 1024 * 1024;
const MAX_REQUEST_BYTES = 4 * 1024 * 1024;
const UNAUTHORIZED = 'The console token is missing or wrong. Open the console URL that switchboard printed at start (it ends in #token=...).\n';

export interface ConsoleServerOptions extends ConsoleServiceOptions {
  /** The built console; defaults to dist/console in the package. */
  staticDir?: string;
  /** The built demos the console links to; defaults to dist/demo in the package. */
  demoDir?: string;
}

export interface ConsoleServer {
  service: ConsoleService;
  token: string;
  /** The console's address on the main listener, token included (call after the relay started). */
  url(): string;
  /** The console at another origin of this relay, such as http://192.168.1.5:8765, token included. */
  urlAt(origin: string): string;
  /** Closes every console socket with a code and reason, and stops the service. */
  stop(): void;
}

/**
 * Serves the browser console on the relay's main listener: the built UI at /console/, the
 * ConsoleService over a WebSocket at /console/api, which needs the token, and the demos at /demo/
 * that its Overview links to (plain pages that speak msg-relay and spacewar like any client).
 */
export function serveConsole(relay: Relay, options: ConsoleServerOptions = {}): ConsoleServer {
  const consolePages = staticRoute({
    prefix: CONSOLE_PATH,
    dir: options.staticDir ?? builtDir('console'),
    notBuilt: 'The console is not built. Run `npm run build` and reload.\n',
    fallbackToIndex: true,
    headers: CONSOLE_HEADERS,
  });
  const service = new ConsoleService(relay, { version: packageVersion(), ...options });
  relay.server.metrics.gauge('switchboard_console_sessions', 'Open console sessions: browser consoles, app windows and the app itself.', () => service.sessionCount);
  const token = relay.config.consoleToken || randomBytes(18).toString('base64url');
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_REQUEST_BYTES, perMessageDeflate: false });

  const gate = new ConsoleGate(token);
  /** The gate's answer, logged when it is news; undefined lets the request in. */
  const admit = (req: IncomingMessage, url: URL, given = url.searchParams.get('token')): GateRefusal | undefined => {
    const refused = gate.check(req, given);
    if (refused?.log) relay.log.add('warn', 'refused', `${remoteAddress(req)} ${url.pathname}: ${refused.status} ${refused.reason}`, { code: refused.status, reason: refused.reason });
    return refused;
  };
  const body = (r: GateRefusal): string => (r.status === 401 ? UNAUTHORIZED : `${r.reason}\n`);

  relay.server.addRoute((req, res, url) => {
    if (!url.pathname.startsWith(CAPTURE_PATH)) return false;
    const refused = admit(req, url, givenToken(req, url));
    if (refused) {
      res.writeHead(refused.status, { 'content-type': 'text/plain; charset=utf-8', ...refused.headers });
      res.end(body(refused));
    } else downloadCapture(relay, req, res, url);
    return true;
  });
  relay.server.addRoute((req, res, url) => {
    if (url.pathname !== CONSOLE_API_PATH) return consolePages(req, res, url);
    // A browser cannot read why an upgrade failed: the console asks here to tell a bad token from a dead relay.
    const refused = admit(req, url);
    res.writeHead(refused?.status ?? 426, { 'content-type': 'text/plain; charset=utf-8', ...refused?.headers });
    res.end(refused ? body(refused) : 'The console API is a WebSocket.\n');
    return true;
  });
  relay.server.addRoute(
    staticRoute({ prefix: DEMO_PATH, dir: options.demoDir ?? builtDir('demo'), notBuilt: 'The demos are not built. Run `npm run build` and reload.\n', fallbackToIndex: false }),
  );
  relay.server.addUpgrade((req, socket, head, url) => {
    if (url.pathname !== CONSOLE_API_PATH) return false;
    const refused = admit(req, url);
    if (refused) {
      relay.server.metrics.refused(refused.status);
      refuse(socket, refused, body(refused));
      return true;
    }
    wss.handleUpgrade(req, socket, head, (ws) => bindConsoleSocket(service, relay, ws));
    return true;
  });

  const urlAt = (origin: string): string => `${origin}${CONSOLE_PATH}#token=${token}`;
  return {
    service,
    token,
    urlAt,
    url() {
      // A relay bound to every interface lists 127.0.0.1 first: the address for this machine.
      const main = relay.listeners.find((l) => l.main);
      return urlAt(main ? pageOrigin(main.urls[0]!) : `http://127.0.0.1:${relay.config.port}`);
    },
    stop() {
      for (const ws of wss.clients) ws.close(SHUTDOWN_CODE, SHUTDOWN_REASON);
      service.stop();
    },
  };
}

/** The token from `Authorization: Bearer` or the `token` query parameter (a download link cannot set headers). */
function givenToken(req: IncomingMessage, url: URL): string | null {
  return /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? url.searchParams.get('token');
}

/** A capture file of this run, streamed; the caller has checked the token. */
function downloadCapture(relay: Relay, req: IncomingMessage, res: ServerResponse, url: URL): void {
  const answer = (status: number, text: string): void => {
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(text);
  };
  if (req.method !== 'GET') return answer(405, 'Captures are downloaded with GET.\n');
  let name: string;
  try {
    name = decodeURIComponent(url.pathname.slice(CAPTURE_PATH.length));
  } catch {
    return answer(400, 'The capture name is not valid percent-encoding.\n');
  }
  const file = relay.captures.path(name);
  if (!file) return answer(404, `No capture named "${name}" in this run of the relay.\n`);
  const stream = createReadStream(file);
  stream.once('open', () => {
    res.writeHead(200, {
      'content-type': 'application/x-ndjson; charset=utf-8',
      'content-disposition': `attachment; filename="${name.replace(/[^\w.-]/g, '_')}"`,
      'cache-control': 'no-store',
    });
    stream.pipe(res);
  });
  stream.once('error', (err: NodeJS.ErrnoException) => {
    if (res.headersSent) res.destroy();
    else answer(410, `The capture "${name}" cannot be read any more: ${err.code ?? err.message}.\n`);
  });
}

function refuse(socket: Duplex, r: GateRefusal, body: string): void {
  const extra = Object.entries(r.headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
  socket.end(
    `HTTP/1.1 ${r.status} ${STATUS_CODES[r.status]}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extra}Connection: close\r\n\r\n${body}`,
  );
}

/** One console socket is one session: requests in, answers and events out. */
function bindConsoleSocket(service: ConsoleService, relay: Relay, ws: WebSocket): void {
  const session = service.session();
  const send = (frame: ConsoleServerFrame): void => {
    if (ws.readyState !== ws.OPEN) return;
    if (ws.bufferedAmount > MAX_BACKLOG_BYTES) {
      ws.close(1013, 'the console fell too far behind; it reconnects to catch up');
      return;
    }
    ws.send(JSON.stringify(frame));
  };
  session.congested = () => ws.bufferedAmount > TRAFFIC_BACKLOG_BYTES;
  session.onEvent((event) => send({ event }));
  /** Every request gets an answer; a failure that is not the request's own fault is logged with its stack. */
  const answer = async ({ id, op, params }: ConsoleRequestFrame): Promise<void> => {
    let reply: ConsoleServerFrame;
    try {
      reply = { id, result: await session.request(op, params as never) };
    } catch (err) {
      if (!(err instanceof ConsoleError)) relay.log.add('error', 'error', `console request ${op.slice(0, 64)}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      reply = { id, error: err instanceof Error ? err.message : String(err) };
    }
    send(reply);
  };
  ws.on('message', (data: Buffer) => {
    let frame: ConsoleRequestFrame;
    try {
      frame = JSON.parse(data.toString()) as ConsoleRequestFrame;
      if (typeof frame !== 'object' || frame === null || typeof frame.id !== 'number' || typeof frame.op !== 'string') throw new Error();
    } catch {
      ws.close(1008, 'console requests are JSON objects {id, op, params}');
      return;
    }
    void answer(frame);
  });
  ws.on('close', () => session.close());
  ws.on('error', () => ws.terminate());
}
