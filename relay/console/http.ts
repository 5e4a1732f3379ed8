import { bindsAllInterfaces } from '../config/schema.js';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { builtDir, packageRoot, staticRoute } from '../http/static.js';
import type { Relay } from '../relay.js';
import { SHUTDOWN_CODE, SHUTDOWN_REASON } from '../relay.js';
import { ConsoleError } from './errors.js';
import { ConsoleService, type ConsoleServiceOptions } from './service.js';
import type { ConsoleRequestFrame, ConsoleServerFrame } from './types.js';

export const CONSOLE_PATH = '/console/';
export const CONSOLE_API_PATH = '/console/api';
export const DEMO_PATH = '/demo/';
/** Over this many unsent bytes a console gets no traffic until it catches up (it sees "skipped"). */
const TRAFFIC_BACKLOG_BYTES = 1024 * 1024;
/** Over this many a console is closed: it reconnects and starts fresh rather than hold the relay's memory. */
const MAX_BACKLOG_BYTES = 32 * 1024 * 1024;
const MAX_REQUEST_BYTES = 4 * 1024 * 1024;
const UNAUTHORIZED = 'The console token is missing or wrong. Open the console URL that switchboard printed at start (it ends in #token=...).\n';

function packageVersion(root: string | undefined): string {
  return root ? ((JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version?: string }).version ?? '') : '';
}

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
  const root = packageRoot();
  const consolePages = staticRoute({
    prefix: CONSOLE_PATH,
    dir: options.staticDir ?? builtDir('console'),
    notBuilt: 'The console is not built. Run `npm run build` and reload.\n',
    fallbackToIndex: true,
  });
  const service = new ConsoleService(relay, { version: packageVersion(root), ...options });
  const token = relay.config.consoleToken || randomBytes(18).toString('base64url');
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_REQUEST_BYTES, perMessageDeflate: false });

  relay.server.addRoute((req, res, url) => {
    if (url.pathname !== CONSOLE_API_PATH) return consolePages(req, res, url);
    // A browser cannot read why an upgrade failed: the console asks here to tell a bad token from a dead relay.
    const ok = tokenMatches(url.searchParams.get('token'), token);
    res.writeHead(ok ? 426 : 401, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(ok ? 'The console API is a WebSocket.\n' : UNAUTHORIZED);
    return true;
  });
  relay.server.addRoute(
    staticRoute({ prefix: DEMO_PATH, dir: options.demoDir ?? builtDir('demo'), notBuilt: 'The demos are not built. Run `npm run build` and reload.\n', fallbackToIndex: false }),
  );
  relay.server.addUpgrade((req, socket, head, url) => {
    if (url.pathname !== CONSOLE_API_PATH) return false;
    if (!tokenMatches(url.searchParams.get('token'), token)) {
      refuse(socket, 401, 'Unauthorized', UNAUTHORIZED);
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
      const main = relay.listeners.find((l) => l.main);
      const host = !main || bindsAllInterfaces(main.host) ? '127.0.0.1' : main.host.includes(':') ? `[${main.host}]` : main.host;
      return urlAt(`http://${host}:${main?.port ?? relay.config.port}`);
    },
    stop() {
      for (const ws of wss.clients) ws.close(SHUTDOWN_CODE, SHUTDOWN_REASON);
      service.stop();
    },
  };
}

function tokenMatches(given: string | null, token: string): boolean {
  if (given === null) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function refuse(socket: Duplex, status: number, text: string, body: string): void {
  socket.end(
    `HTTP/1.1 ${status} ${text}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
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
