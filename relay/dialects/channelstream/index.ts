import type { IncomingMessage } from 'node:http';
import type { WebSocket } from 'ws';
import { InjectError, type Dialect, type DialectContext, type InjectTarget } from '../types.js';
import { Engine, PROTOCOL } from './engine.js';
import { createRest } from './rest.js';
import type { Connection } from './state.js';
import { isoNow, newUuid, uuidParse } from './wire.js';

/**
 * channelstream 0.7: a backend connects users and publishes through a signed REST API; browsers
 * listen on /ws?conn_id= (or by long poll on /listen) and receive JSON-array frames.
 */
export function createChannelstream({ hub, config }: DialectContext): Dialect {
  const maxPayload = config.channelstreamMaxFrameBytes;
  const engine = new Engine(hub, {
    maxPayload,
    listenWaitMs: config.channelstreamListenWaitMs,
    listenGatherMs: config.channelstreamListenGatherMs,
    gcIdleMs: config.channelstreamGcIdleMs,
  });
  const rest = createRest(engine, hub, config);
  const heartbeat = setInterval(() => engine.heartbeat(), config.channelstreamHeartbeatMs);
  const gc = setInterval(() => engine.collect(), config.channelstreamGcTickMs);
  heartbeat.unref();
  gc.unref();

  const refuse = (ws: WebSocket, code: number, reason: string): void => {
    hub.log.add('info', 'close', `${PROTOCOL} socket refused: ${code} ${reason}`, { protocol: PROTOCOL, code, reason });
    ws.close(code, reason);
  };

  return {
    protocol: PROTOCOL,
    maxPayload,
    injectTemplate: '{\n  "text": "hello from the operator"\n}',

    claims: (url) => url.pathname === '/ws',

    accept(ws: WebSocket, _req: IncomingMessage, url: URL): void {
      const id = uuidParse(url.searchParams.get('conn_id'));
      if (!id) return refuse(ws, 1008, 'conn_id is missing or is not a UUID');
      const conn = engine.connections.get(id);
      // The original closes with 1000 at once for a connection it does not know.
      if (!conn) return refuse(ws, 1000, `unknown conn_id ${id}`);
      engine.attachSocket(conn, ws);
    },

    handleHttp: rest,

    inject(target: InjectTarget, payload: string): number {
      let message: unknown;
      try {
        message = JSON.parse(payload);
      } catch {
        throw new InjectError('a channelstream message is a JSON object: the payload is not valid JSON');
      }
      if (typeof message !== 'object' || message === null || Array.isArray(message)) throw new InjectError('a channelstream message is a JSON object');
      const m = { user: config.channelstreamOperatorUser, message: message as Record<string, unknown> };
      if (target.kind === 'room') {
        if (!engine.channels.has(target.room)) throw new InjectError(`no channelstream channel "${target.room}"`);
        // A filter names the one user in the channel the message is for.
        const pm = target.filter ? [target.filter] : [];
        return engine.publish({ ...m, channel: target.room, pm_users: pm, exclude_users: [], no_history: false, uuid: newUuid(), timestamp: isoNow() }, 'operator');
      }
      let conns: Iterable<Connection> = engine.connections.values();
      if (target.kind === 'peer') {
        const peer = hub.peer(target.peer);
        const conn = peer && engine.connectionOf(peer);
        if (!conn) throw new InjectError(`no channelstream connection ${target.peer}`);
        conns = [conn];
      }
      return engine.sendDirect(m, conns);
    },

    stop(): void {
      clearInterval(heartbeat);
      clearInterval(gc);
    },
  };
}
