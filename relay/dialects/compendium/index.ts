import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { WebSocket } from 'ws';
import type { Peer } from '../../core/peer.js';
import { bindSocket, wsTransport } from '../../core/socket.js';
import { remoteAddress } from '../../http/remote.js';
import { injectJson, injectPeer } from '../inject.js';
import { websocketsKeepalive } from '../keepalive.js';
import { InjectError, type Dialect, type DialectContext, type InjectTarget } from '../types.js';

/**
 * Compendium WSS: a socket asks for an ephemeral address (INIT) and anyone who knows an address
 * can send to it (ROUTE). Deliveries carry no sender; the apps put theirs inside `msg`.
 */

const PROTOCOL = 'compendium';
/** The id a socket shows before its first INIT. */
const NO_ADDRESS = '(no address)';

/** The fields each message type must carry, besides `type`. */
const REQUIRED: Readonly<Record<string, readonly string[]>> = {
  INIT: [],
  INITRESP: ['EpheWssAddr'],
  ROUTE: ['EpheWssAddr', 'msg'],
  DELIVER: ['msg'],
  ERR: ['errCode', 'errMsg'],
};

const NOT_FOUND = JSON.stringify({ type: 'ERR', errCode: 404, errMsg: 'Socket address not found' });

type Message = Record<string, unknown>;

/** Input the original dies on: the socket is closed with 1011, and here the reason says why. */
class BadMessage extends Error {}

/** Text and binary frames alike, as json.loads reads both. */
function parse(data: Buffer, isBinary: boolean): Message {
  let text = data.toString('utf8');
  if (isBinary && text.startsWith('\ufeff')) text = text.slice(1);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new BadMessage(`invalid JSON: ${(err as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new BadMessage('a message must be a JSON object');
  const m = value as Message;
  if (!('type' in m)) throw new BadMessage('missing message field: type');
  const required = typeof m.type === 'string' && Object.hasOwn(REQUIRED, m.type) ? REQUIRED[m.type]! : undefined;
  if (!required) throw new BadMessage(`unknown message type ${JSON.stringify(m.type)}: expected INIT or ROUTE`);
  for (const field of required) if (!(field in m)) throw new BadMessage(`missing message field: ${field} (in ${m.type as string})`);
  return m;
}

export function createCompendium({ hub, config }: DialectContext): Dialect {
  const keepalive = websocketsKeepalive(config.compendiumPingIntervalSeconds, config.compendiumPingTimeoutSeconds);
  const maxPayload = config.compendiumMaxMessageBytes;
  /** Every live address. A socket's addresses all leave with it, however it closes (D3). */
  const byAddress = new Map<string, Peer>();

  const addressesOf = (peer: Peer): string[] => (peer.meta as { addresses: string[] }).addresses;

  function init(peer: Peer): void {
    const address = randomUUID().replaceAll('-', '');
    const mine = addressesOf(peer);
    mine.push(address);
    byAddress.set(address, peer);
    if (mine.length > config.compendiumMaxAddresses) byAddress.delete(mine.shift()!);
    peer.id = address;
    hub.route({ from: 'relay', to: { peer }, frame: JSON.stringify({ type: 'INITRESP', EpheWssAddr: address }) });
  }

  function route(peer: Peer, m: Message, inbound: Buffer, binary: boolean): void {
    const address = m.EpheWssAddr;
    // A list or an object cannot be a dict key in the original, which dies on it.
    if (typeof address === 'object' && address !== null) throw new BadMessage('EpheWssAddr must be a string');
    const target = typeof address === 'string' ? byAddress.get(address) : undefined;
    if (!target) {
      hub.note(peer, inbound, typeof address === 'string' ? address : null, binary);
      hub.route({ from: 'relay', to: { peer }, frame: NOT_FOUND });
      return;
    }
    hub.route({ from: peer, to: { peer: target }, frame: JSON.stringify({ type: 'DELIVER', msg: m.msg }), inbound, binary });
  }

  function onFrame(peer: Peer, data: Buffer, isBinary: boolean): void {
    let m: Message;
    try {
      m = parse(data, isBinary);
      if (m.type === 'INIT') {
        hub.note(peer, data, 'relay', isBinary);
        init(peer);
      } else if (m.type === 'ROUTE') route(peer, m, data, isBinary);
      // A well-formed INITRESP, DELIVER or ERR from a client is ignored, as the original does.
      else hub.note(peer, data, null, isBinary);
    } catch (err) {
      if (!(err instanceof BadMessage)) throw err;
      hub.note(peer, data, null, isBinary);
      hub.close(peer, 1011, err.message);
    }
  }

  return {
    protocol: PROTOCOL,
    maxPayload,
    injectTemplate: '{\n  "text": "hello from the operator"\n}',
    injectFormat: 'json',

    claims: (url) => url.pathname === '/compendium' || url.pathname.startsWith('/compendium/'),

    accept(ws: WebSocket, req: IncomingMessage): void {
      const peer = hub.connect(
        { protocol: PROTOCOL, id: NO_ADDRESS, transport: wsTransport(ws, maxPayload), remote: remoteAddress(req), meta: { addresses: [] }, keepalive },
        (gone) => {
          for (const address of addressesOf(gone)) byAddress.delete(address);
        },
      );
      bindSocket(hub, peer, ws, (data, isBinary) => onFrame(peer, data, isBinary));
    },

    inject(target: InjectTarget, payload: string): number {
      const msg = injectJson(payload, 'a compendium msg is JSON (the Android app reads only an object)');
      const frame = JSON.stringify({ type: 'DELIVER', msg });
      if (target.kind === 'peer') return hub.route({ from: 'operator', to: { peer: injectPeer(hub, PROTOCOL, target.peer) }, frame });
      if (target.kind === 'room') throw new InjectError('compendium has no rooms: send to one peer or to everyone');
      return hub.route({ from: 'operator', to: { protocol: PROTOCOL, everyone: true, filter: (p) => addressesOf(p).length > 0 }, frame });
    },
  };
}
