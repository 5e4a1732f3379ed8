import { randomUUID } from 'node:crypto';
import { whenReady } from '../../core/bus.js';
import type { Peer, PeerView } from '../../core/peer.js';
import type { FrameHandler } from '../../core/socket.js';
import { injectJson, injectPeer } from '../inject.js';
import { websocketsKeepalive } from '../keepalive.js';
import { InjectError, type Dialect, type DialectContext, type InjectTarget, type Welcome } from '../types.js';
import { nestsDeeper, PYTHON_JSON_DEPTH, tooDeep } from '../json-depth.js';

/**
 * Compendium WSS: a socket asks for an ephemeral address (INIT) and anyone who knows an address
 * can send to it (ROUTE). Deliveries carry no sender; the apps put theirs inside `msg`.
 */

const PROTOCOL = 'compendium';

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

/** A socket's wire id: clients never see it (they know addresses), the console and the log do. */
const socketId = (): string => `socket-${randomUUID().slice(0, 8)}`;

/** Whether a socket has asked for an address, as its metadata shows. */
const hasAddress = (p: PeerView): boolean => ((p.meta as { addresses?: unknown[] }).addresses?.length ?? 0) > 0;

/** Input the original dies on: the socket is closed with 1011, and here the reason says why. */
class BadMessage extends Error {}

/** Text and binary frames alike, as json.loads reads both. */
function parse(data: Buffer, isBinary: boolean): Message {
  let text = data.toString('utf8');
  if (isBinary && text.startsWith('\ufeff')) text = text.slice(1);
  // The original's json.loads raised RecursionError here, which closed the socket with 1011.
  if (nestsDeeper(data, PYTHON_JSON_DEPTH)) throw new BadMessage(`invalid JSON: ${tooDeep(PYTHON_JSON_DEPTH)}`);
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

export function createCompendium({ hub, routing, bus, config }: DialectContext): Dialect {
  const keepalive = websocketsKeepalive(config.compendiumPingIntervalSeconds, config.compendiumPingTimeoutSeconds);
  const maxPayload = config.compendiumMaxMessageBytes;
  /**
   * Each socket's live addresses, oldest first. The peer's wire id stays the one it got at
   * connect; its addresses are claimed on the bus, so a ROUTE finds them on any node, and shown
   * to the console as its metadata. They all leave with it, however it closes (D3).
   */
  const addresses = new WeakMap<Peer, string[]>();

  function opened(peer: Peer): FrameHandler {
    addresses.set(peer, []);
    return (data, isBinary) => onFrame(peer, data, isBinary);
  }

  function released(peer: Peer): void {
    for (const address of addresses.get(peer) ?? []) bus.release(peer, address);
  }

  function init(peer: Peer): void {
    const address = randomUUID().replaceAll('-', '');
    const mine = addresses.get(peer)!;
    mine.push(address);
    bus.claim(peer, address);
    if (mine.length > config.compendiumMaxAddresses) bus.release(peer, mine.shift()!);
    hub.describe(peer, { addresses: [...mine] });
    routing.reply(peer, JSON.stringify({ type: 'INITRESP', EpheWssAddr: address }));
  }

  function route(peer: Peer, m: Message, inbound: Buffer, binary: boolean): void | Promise<void> {
    const address = m.EpheWssAddr;
    // A list or an object cannot be a dict key in the original, which dies on it.
    if (typeof address === 'object' && address !== null) throw new BadMessage('EpheWssAddr must be a string');
    if (typeof address !== 'string') return notFound(peer, inbound, null, binary);
    return whenReady(bus.named(PROTOCOL, address), (target) => {
      if (!target) notFound(peer, inbound, address, binary);
      else routing.route({ from: peer, to: { protocol: PROTOCOL, key: target.key }, frame: JSON.stringify({ type: 'DELIVER', msg: m.msg }), inbound, binary });
    });
  }

  function notFound(peer: Peer, inbound: Buffer, address: string | null, binary: boolean): void {
    routing.note(peer, inbound, address, binary);
    routing.reply(peer, NOT_FOUND);
  }

  function onFrame(peer: Peer, data: Buffer, isBinary: boolean): void | Promise<void> {
    let m: Message;
    try {
      m = parse(data, isBinary);
    } catch (err) {
      if (!(err instanceof BadMessage)) throw err;
      return routing.refuse(peer, data, 1011, err.message, isBinary);
    }
    if (m.type === 'INIT') {
      routing.note(peer, data, 'relay', isBinary);
      init(peer);
    } else if (m.type === 'ROUTE') {
      try {
        return route(peer, m, data, isBinary);
      } catch (err) {
        if (!(err instanceof BadMessage)) throw err;
        routing.refuse(peer, data, 1011, err.message, isBinary);
      }
    }
    // A well-formed INITRESP, DELIVER or ERR from a client is ignored, as the original does.
    else routing.note(peer, data, null, isBinary);
  }

  return {
    protocol: PROTOCOL,
    maxPayload,
    injectTemplate: '{\n  "text": "hello from the operator"\n}',
    injectFormat: 'json',

    claims: (url) => url.pathname === '/compendium' || url.pathname.startsWith('/compendium/'),

    receive: (): Welcome => ({ id: socketId(), meta: { addresses: [] }, keepalive, open: opened, gone: released }),

    inject(target: InjectTarget, payload: string): number {
      const msg = injectJson(payload, 'a compendium msg is JSON (the Android app reads only an object)');
      const frame = JSON.stringify({ type: 'DELIVER', msg });
      if (target.kind === 'peer') return routing.route({ from: 'operator', to: { protocol: PROTOCOL, key: injectPeer(bus, PROTOCOL, target.peer).key }, frame });
      if (target.kind === 'room') throw new InjectError('compendium has no rooms: send to one peer or to everyone');
      return routing.route({ from: 'operator', to: { protocol: PROTOCOL, everyone: true, filter: hasAddress }, frame });
    },
  };
}
