import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../relay/config/load.js';
import type { ProtocolName } from '../../relay/config/schema.js';
import { InProcessBus } from '../../relay/core/local-bus.js';
import type { Bus } from '../../relay/core/bus.js';
import { Relay } from '../../relay/relay.js';
import { Client } from '../helpers/client.js';

const later = <T>(value: T): Promise<T> => new Promise((resolve) => setImmediate(() => resolve(value)));

/**
 * The in-process bus, answering what a cluster bus must ask other nodes a turn of the event
 * loop later. (The in-process bus hears presence itself, from the hub.)
 */
class LaterBus implements Bus {
  constructor(private readonly local: InProcessBus) {}
  send: Bus['send'] = (to, frame) => this.local.send(to, frame);
  members = (protocol: ProtocolName, room: string) => later(this.local.members(protocol, room));
  number = (protocol: ProtocolName, room: string) => later(this.local.number(protocol, room));
  named = (protocol: ProtocolName, name: string) => later(this.local.named(protocol, name));
  claim: Bus['claim'] = (peer, name) => this.local.claim(peer, name);
  release: Bus['release'] = (peer, name) => this.local.release(peer, name);
  peer: Bus['peer'] = (key) => this.local.peer(key);
  watch: Bus['watch'] = (protocol, watcher) => this.local.watch(protocol, watcher);
  status: Bus['status'] = () => this.local.status();
  close = () => this.local.close();
}

let relay: Relay | undefined;
const clients: Client[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.ws.terminate();
  await relay?.stop();
});

async function start(): Promise<string> {
  relay = new Relay(loadConfig({ overrides: { host: '127.0.0.1', port: 0 } }), { bus: (hub, delivery) => new LaterBus(new InProcessBus(hub, delivery)) });
  const [main] = await relay.start();
  return `ws://127.0.0.1:${main!.port}`;
}

async function open(url: string): Promise<Client> {
  const c = await Client.open(url);
  clients.push(c);
  return c;
}

describe('a bus that answers later', () => {
  it('holds the frames of a socket whose id is still coming, then handles them in order', async () => {
    const url = await start();
    const a = await open(`${url}/ws-relay/r`);
    expect(await a.next()).toBe('1 self');
    const b = new Client(`${url}/ws-relay/r`);
    clients.push(b);
    await b.opened;
    b.send('1 first');
    b.send('* second');
    expect([await b.next(), await b.next()]).toEqual(['2 self', '1 join']);
    expect([await a.next(), await a.next(), await a.next()]).toEqual(['2 join', '2 first', '2 second']);
  });

  it("keeps a peer's replies in the order it asked, while list_peers waits", async () => {
    const url = await start();
    const a = await open(`${url}/msg-relay?group=g&meta=alice`);
    const hello = await a.json<{ connection_id: string }>();
    const b = await open(`${url}/msg-relay?group=g&meta=bob`);
    const bob = (await b.json<{ connection_id: string }>()).connection_id;
    expect((await a.json<{ message_type: string }>()).message_type).toBe('peer_connect');
    a.sendJson({ to: 'host', command: 'list_peers', meta_filter: '*' });
    a.sendJson({ to: 'host', command: 'connection_id' });
    expect(await a.json()).toMatchObject({ message_type: 'peer_list', peer_list: [{ connection_id: bob, peer_meta: 'bob' }] });
    expect(await a.json()).toMatchObject({ message_type: 'connection_id', connection_id: hello.connection_id });
  });

  it('routes to a compendium address found later, and says 404 for one nobody holds', async () => {
    const url = await start();
    const a = await open(`${url}/compendium`);
    a.sendJson({ type: 'INIT' });
    const address = (await a.json<{ EpheWssAddr: string }>()).EpheWssAddr;
    const b = await open(`${url}/compendium`);
    b.sendJson({ type: 'ROUTE', EpheWssAddr: 'nobody', msg: 1 });
    b.sendJson({ type: 'ROUTE', EpheWssAddr: address, msg: 2 });
    expect(await b.json()).toEqual({ type: 'ERR', errCode: 404, errMsg: 'Socket address not found' });
    expect(await a.json()).toEqual({ type: 'DELIVER', msg: 2 });
  });
});
