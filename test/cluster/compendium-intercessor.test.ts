import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '../helpers/client.js';
import { startCluster, type Cluster } from '../helpers/cluster.js';

/** compendium and intercessor with the two sides on different nodes. */

let cluster: Cluster;
let a: string;
let b: string;
let c3: string;
beforeAll(async () => {
  cluster = await startCluster(3);
  [a, b, c3] = cluster.nodes.map((n) => n.url) as [string, string, string];
}, 30_000);
afterAll(() => cluster.stop());

async function address(c: Client): Promise<string> {
  c.sendJson({ type: 'INIT' });
  const resp = await c.json<{ type: string; EpheWssAddr: string }>();
  expect(resp.type).toBe('INITRESP');
  return resp.EpheWssAddr;
}

describe('compendium across nodes', () => {
  it('routes to an address held on another node, and answers 404 only when no node holds it', async () => {
    const phone = await Client.open(`${a}/compendium`);
    const desk = await Client.open(`${b}/compendium`);
    const where = await address(phone);
    desk.sendJson({ type: 'ROUTE', EpheWssAddr: where, msg: { hello: 'phone' } });
    expect(await phone.json()).toEqual({ type: 'DELIVER', msg: { hello: 'phone' } });

    desk.sendJson({ type: 'ROUTE', EpheWssAddr: 'f'.repeat(32), msg: 1 });
    expect(await desk.json()).toEqual({ type: 'ERR', errCode: 404, errMsg: 'Socket address not found' });

    await phone.close();
    // Once its socket is gone (a moment later for the other nodes), no node holds the address;
    // a ROUTE in that moment goes to the node that had it, which drops it.
    let answer: Record<string, unknown> = {};
    for (let i = 0; i < 40 && answer.type !== 'ERR'; i++) {
      desk.sendJson({ type: 'ROUTE', EpheWssAddr: where, msg: 2 });
      answer = await desk.json(250).catch(() => ({}));
    }
    expect(answer).toEqual({ type: 'ERR', errCode: 404, errMsg: 'Socket address not found' });
    await desk.close();
  });
});

interface Frame {
  from: string;
  to: string;
  type: string;
  message: unknown;
}

describe('intercessor across nodes', () => {
  it('joins clients on other nodes to a server: HELLO, PEER_JOINED, relaying both ways, PEER_GONE', async () => {
    const server = await Client.open(`${a}/server`);
    const sid = (await server.json<Frame>()).to;
    const one = await Client.open(`${b}/client/${sid}`);
    const oneId = (await one.json<Frame>()).to;
    expect(await server.json()).toEqual({ from: '0', to: sid, type: 'PEER_JOINED', message: { id: oneId } });
    const two = await Client.open(`${c3}/client/${sid}`);
    const twoId = (await two.json<Frame>()).to;
    expect((await server.json<Frame>()).message).toEqual({ id: twoId });

    one.sendJson({ to: sid, type: 'offer', message: { sdp: 'x' } });
    expect(await server.json()).toEqual({ from: oneId, to: sid, type: 'offer', message: { sdp: 'x' } });
    server.sendJson({ to: twoId, type: 'answer', message: { sdp: 'y' } });
    expect(await two.json()).toEqual({ from: sid, to: twoId, type: 'answer', message: { sdp: 'y' } });
    expect(await one.drain(200)).toEqual([]);

    await two.close();
    expect(await server.json()).toEqual({ from: '0', to: sid, type: 'PEER_GONE', message: { id: twoId } });

    await server.close();
    expect(await one.json()).toEqual({ from: '0', to: oneId, type: 'PEER_GONE', message: { id: sid } });
    expect(await one.closed).toEqual({ code: 1000, reason: `the server ${sid} has left` });
  });

  it('refuses a client of a server no node holds', async () => {
    const lost = await Client.open(`${b}/client/no-such-server`);
    expect(await lost.closed).toEqual({ code: 1008, reason: 'no server with id no-such-server is connected' });
  });
});
