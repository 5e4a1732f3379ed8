import { sign } from '../../relay/dialects/channelstream/signer.js';
import { Client } from './client.js';

export const EXCHANGE_SECRET = 'exchange-secret';
export const EXCHANGE_TOKEN = 'exchange-token';
/** The one msg-relay frame over 2 KiB: a relay with a smaller frame limit refuses it. */
export const BIG_FRAME_BYTES = 4096;

const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function post(http: string, path: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(http + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-channelstream-secret': sign(EXCHANGE_SECRET, 'channelstream'), authorization: `Bearer ${EXCHANGE_TOKEN}` },
    body: JSON.stringify(body),
  });
  if (res.status !== 200) throw new Error(`${path} answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as Record<string, unknown>;
}

/**
 * A short session of all five protocols against a relay whose access token is EXCHANGE_TOKEN and
 * channelstream secret EXCHANGE_SECRET: msg-relay peers in a group (unicast, group, a command, a
 * ping, one large frame), spacewar players in a room, compendium addresses, an intercessor
 * server and client, a channelstream user fed by its backend, and a frame the relay refuses.
 * Each step waits for what it causes, so the order is the same on every run.
 */
export async function playExchange(url: string): Promise<void> {
  const http = url.replace(/^ws/, 'http');
  const auth = { headers: { authorization: `Bearer ${EXCHANGE_TOKEN}` } };

  // msg-relay: a by header, b by query (with the token in the query too).
  const a = await Client.open(`${url}/msg-relay`, { headers: { ...auth.headers, 'x-peer-group': 'g1', 'x-peer-meta': 'alpha' } });
  const aId = (await a.json<{ connection_id: string }>()).connection_id;
  const b = await Client.open(`${url}/msg-relay?group=g1&meta=beta&token=${EXCHANGE_TOKEN}`);
  await a.json(); // peer_connect
  const bId = (await b.json<{ connection_id: string }>()).connection_id;
  a.sendJson({ to: bId, msg: 'hello b' });
  await b.json();
  b.sendJson({ to: 'group', meta_filter: 'al*', msg: 'hello group' });
  await a.json();
  a.sendJson({ to: 'host', command: 'list_peers', meta_filter: '*' });
  await a.json();
  b.send('ping');
  await b.next();
  a.sendJson({ to: bId, msg: 'x'.repeat(BIG_FRAME_BYTES) });
  await b.json();
  b.sendJson({ to: aId, msg: 'after the big one' });
  await a.json();

  // spacewar: two players in one room.
  const s1 = await Client.open(`${url}/ws-relay/arena?token=${EXCHANGE_TOKEN}`);
  await s1.next(); // 1 self
  const s2 = await Client.open(`${url}/ws-relay/arena?token=${EXCHANGE_TOKEN}`);
  await s2.next(); // 2 self
  await s2.next(); // 1 join
  await s1.next(); // 2 join
  s1.send('2 pos 10 20');
  await s2.next();
  s2.send('* fire');
  await s1.next();

  // compendium: two addresses, one message between them.
  const c1 = await Client.open(`${url}/compendium`, auth);
  const c2 = await Client.open(`${url}/compendium`, auth);
  c1.sendJson({ type: 'INIT' });
  await c1.json();
  c2.sendJson({ type: 'INIT' });
  const addr2 = (await c2.json<{ EpheWssAddr: string }>()).EpheWssAddr;
  c1.sendJson({ type: 'ROUTE', EpheWssAddr: addr2, msg: { text: 'hi c2' } });
  await c2.json();

  // intercessor: a server, a client, an offer and an answer.
  const srv = await Client.open(`${url}/server`, auth);
  const sid = (await srv.json<{ to: string }>()).to;
  const cli = await Client.open(`${url}/client/${sid}`, auth);
  const cid = (await cli.json<{ to: string }>()).to;
  await srv.json(); // PEER_JOINED
  srv.sendJson({ from: sid, to: cid, type: 'offer', message: { sdp: 'v=0' } });
  await cli.json();
  cli.sendJson({ to: sid, type: 'answer', message: { sdp: 'v=0 answer' } });
  await srv.json();

  // channelstream: the backend connects a user, its socket listens, the backend publishes.
  const connected = await post(http, '/connect', { username: 'u1', channels: ['news'], channel_configs: { news: { notify_presence: false } } });
  const ws = await Client.open(`${url}/ws?conn_id=${String(connected.conn_id)}&token=${EXCHANGE_TOKEN}`);
  await pause(50);
  await post(http, '/message', [{ channel: 'news', user: 'backend', message: { text: 'extra!' } }]);
  for (let i = 0; i < 50; i++) if ((await ws.next()) !== '[]') break;

  // A frame the relay refuses: not JSON, on a socket of its own.
  const bad = await Client.open(`${url}/msg-relay`, { headers: { ...auth.headers, 'x-peer-group': 'g2', 'x-peer-meta': 'gamma' } });
  await bad.json();
  bad.send('this is not json');
  await bad.closed;

  for (const c of [b, a, s2, s1, c1, c2, cli, srv, ws]) await c.close();
  await pause(100);
}
