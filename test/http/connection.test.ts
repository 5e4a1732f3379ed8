import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { createCore } from '../../relay/core/core.js';
import { EventLog } from '../../relay/core/log.js';
import type { SentEvent } from '../../relay/core/observe.js';
import type { Peer } from '../../relay/core/peer.js';
import type { Dialect, PeerLink } from '../../relay/dialects/types.js';
import { arrivalOf, connectionPlace, openSocket } from '../../relay/http/connection.js';
import { Client } from '../helpers/client.js';

/**
 * The connection place on its own, with real HTTP and real sockets on 127.0.0.1: a peer that
 * stands before any transport (POST /stand), read by long polls (GET /poll) and by WebSockets
 * attached to its link (/ws), as channelstream's connection is.
 */
async function serve(pollWaitMs = 30_000) {
  const core = createCore(new EventLog());
  const place = connectionPlace(core);
  const sent: SentEvent[] = [];
  const departed: Peer[] = [];
  let sends = 0;
  core.observers.add({ sent: (e) => sent.push(e) });
  let link: PeerLink | undefined;
  const opened: string[] = [];
  const dialect = {
    protocol: 'channelstream',
    maxPayload: 1024,
    claims: () => true,
    receive: () => ({ link: link!, open: (peer: Peer) => (opened.push(peer.id), () => undefined) }),
    inject: () => 0,
    injectTemplate: '',
    injectFormat: 'json',
  } satisfies Dialect;
  const server: Server = createServer((req, res) => {
    if (req.url === '/stand') {
      link = place.standing(req, { protocol: 'channelstream', id: 'c1', meta: { user: 'u' }, sent: () => sends++, gone: (p) => departed.push(p) });
      res.end(link.peer.remote);
      return;
    }
    void place
      .poll(link!)
      .collect(pollWaitMs, 20)
      .then((frames) => res.end(JSON.stringify(frames.map((f) => f.toString()))));
  });
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://relay');
    wss.handleUpgrade(req, socket, head, (ws) => openSocket(core, dialect, ws, arrivalOf(req, url)));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  const stand = async (): Promise<PeerLink> => {
    expect(await (await fetch(`http://${base}/stand`, { method: 'POST' })).text()).toBe('127.0.0.1');
    return link!;
  };
  const poll = async (): Promise<string[]> => (await (await fetch(`http://${base}/poll`)).json()) as string[];
  const to = (l: PeerLink, text: string): number => core.routing.route({ from: 'relay', to: { peer: l.peer }, frame: text });
  open = { server, wss, clients: [] };
  const socket = async (): Promise<Client> => {
    const c = await Client.open(`ws://${base}/ws`);
    open!.clients.push(c);
    return c;
  };
  return { core, sent, departed, opened, sends: () => sends, stand, poll, to, socket };
}

let open: { server: Server; wss: WebSocketServer; clients: Client[] } | undefined;
afterEach(() => {
  for (const c of open?.clients ?? []) c.ws.terminate();
  open?.wss.close();
  open?.server.closeAllConnections();
  open?.server.close();
  open = undefined;
});

describe('the connection place', () => {
  it("connects a standing peer with the client's address and no transport: nothing reaches it until a transport attaches", async () => {
    const { core, stand, poll, to } = await serve(100);
    const link = await stand();
    expect(core.hub.peer(link.peer.key)).toBe(link.peer);
    expect(link.peer.meta).toEqual({ user: 'u' });
    expect(link.attached).toBe(false);
    to(link, 'lost');
    expect(await poll()).toEqual([]);
  });

  it('makes a long poll a transport of its own: what is routed while it waits is gathered, and each routing is recorded once', async () => {
    const { sent, stand, poll, to } = await serve();
    const link = await stand();
    const answer = poll();
    await expect.poll(() => link.attached).toBe(true);
    expect(to(link, 'one')).toBe(1);
    expect(to(link, 'two')).toBe(1);
    expect(await answer).toEqual(['one', 'two']);
    expect(sent.map((e) => [e.recipients.map((p) => p.id), String(e.frame)])).toEqual([
      [['c1'], 'one'],
      [['c1'], 'two'],
    ]);
  });

  it('answers a waiting long poll at once when the next one attaches, and that one gets what follows', async () => {
    const { stand, poll, to } = await serve();
    const link = await stand();
    const first = poll();
    await expect.poll(() => link.attached).toBe(true);
    const second = poll();
    expect(await first).toEqual([]);
    to(link, 'later');
    expect(await second).toEqual(['later']);
  });

  it('ends a waiting long poll when the relay closes the peer, and the peer departs once', async () => {
    const { core, departed, stand, poll } = await serve();
    const link = await stand();
    const answer = poll();
    await expect.poll(() => link.attached).toBe(true);
    core.hub.close(link.peer, 1000, 'done');
    expect(await answer).toEqual([]);
    expect(departed).toEqual([link.peer]);
    expect(link.attached).toBe(false);
  });

  it("attaches a socket to the link in place of the one before (closed with 1000), and the current socket's close is the departure", async () => {
    const { core, departed, opened, sends, stand, to, socket } = await serve();
    const link = await stand();
    const a = await socket();
    await expect.poll(() => opened.length).toBe(1);
    to(link, 'to a');
    expect(await a.next()).toBe('to a');
    expect(sends()).toBe(1);
    const b = await socket();
    expect(await a.closed).toEqual({ code: 1000, reason: 'another socket attached to this connection' });
    expect(opened).toEqual(['c1', 'c1']);
    to(link, 'to b');
    expect(await b.next()).toBe('to b');
    expect(departed).toEqual([]);
    expect(core.hub.peer(link.peer.key)).toBe(link.peer);
    await b.close(4000);
    await expect.poll(() => departed.length).toBe(1);
    expect(core.hub.peer(link.peer.key)).toBeUndefined();
  });
});
