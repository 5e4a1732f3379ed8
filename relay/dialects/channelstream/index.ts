import { injectObject } from '../inject.js';
import { InjectError, type Dialect, type DialectContext, type InjectTarget } from '../types.js';
import { Engine, PROTOCOL } from './engine.js';
import { startHousekeeping } from './housekeeping.js';
import { createRest } from './rest.js';
import { receiveSocket } from './socket.js';
import type { Connection } from './state.js';
import { isoNow, newUuid } from './wire.js';

/**
 * channelstream 0.7: a backend connects users and publishes through a signed REST API; browsers
 * listen on /ws?conn_id= (or by long poll on /listen) and receive JSON-array frames.
 */
export function createChannelstream(core: DialectContext): Dialect {
  const { hub, config } = core;
  const maxPayload = config.channelstreamMaxFrameBytes;
  const engine = new Engine(core, {
    listenWaitMs: config.channelstreamListenWaitMs,
    listenGatherMs: config.channelstreamListenGatherMs,
  });
  const stopHousekeeping = startHousekeeping(engine, core, config);

  return {
    protocol: PROTOCOL,
    maxPayload,
    injectTemplate: '{\n  "text": "hello from the operator"\n}',
    injectFormat: 'json',

    claims: (url) => url.pathname === '/ws',

    receive: (a) => receiveSocket(engine, core, a),

    handleHttp: createRest(engine, hub, config, core.secrets),

    inject(target: InjectTarget, payload: string): number {
      const m = { user: config.channelstreamOperatorUser, message: injectObject(payload, 'a channelstream message is a JSON object') };
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

    stop: stopHousekeeping,
  };
}
