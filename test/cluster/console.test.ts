import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PeerInfo, Stats } from '../../relay/console/types.js';
import { Client } from '../helpers/client.js';
import { startCluster, until, type Cluster } from '../helpers/cluster.js';
import { ConsoleApiClient } from '../helpers/console-api.js';

/** node1's console over its real API sees node2's peers and reaches them. */

let cluster: Cluster;
let api: ConsoleApiClient;
beforeAll(async () => {
  cluster = await startCluster(2, ['--console-token', 'sesame']);
  api = await ConsoleApiClient.open(`${cluster.nodes[0]!.url}/console/api?token=sesame`);
}, 30_000);
afterAll(async () => {
  api.ws.close();
  await cluster.stop();
});

const peersOf = async (text: string): Promise<PeerInfo[]> => (await api.result<{ peers: PeerInfo[] }>('peers', { filter: { text } })).peers;

describe('the console of a cluster node', () => {
  it('lists the nodes with their peers and heartbeats', async () => {
    const far = await Client.open(`${cluster.nodes[1]!.url}/msg-relay`, { headers: { 'x-peer-meta': 'overview-far' } });
    await far.next();
    await until('node2 reports one peer', async () => {
      const stats = (await api.result<{ stats: Stats }>('snapshot')).stats;
      return stats.cluster?.nodes?.find((n) => n.name === 'node2')?.peers === 1;
    });
    const stats = (await api.result<{ stats: Stats }>('snapshot')).stats;
    expect(stats.cluster).toMatchObject({ status: 'ok', node: 'node1' });
    expect(stats.cluster!.nodes!.map((n) => n.name)).toEqual(['node1', 'node2']);
    const node2 = stats.cluster!.nodes!.find((n) => n.name === 'node2')!;
    expect(node2.urls).toEqual([`${cluster.nodes[1]!.url}/`]);
    expect(node2.lastHeartbeat).toBeGreaterThan(0);
    await far.close();
  });

  it('lists the peers of every node with their node, and kicks and injects to a peer on the other node', async () => {
    const near = await Client.open(`${cluster.nodes[0]!.url}/msg-relay`, { headers: { 'x-peer-group': 'console', 'x-peer-meta': 'near-one' } });
    await near.next();
    const far = await Client.open(`${cluster.nodes[1]!.url}/msg-relay`, { headers: { 'x-peer-group': 'console', 'x-peer-meta': 'far-one' } });
    const farId = (await far.json<{ connection_id: string }>()).connection_id;
    await until('node1 knows the far peer', async () => (await peersOf('far-one')).length === 1);
    const [farInfo] = await peersOf('far-one');
    expect(farInfo).toMatchObject({ id: farId, node: 'node2', protocol: 'msg-relay', rooms: ['console'], meta: 'far-one' });
    expect((await peersOf('near-one'))[0]).toMatchObject({ node: 'node1' });

    expect(await api.result('inject', { protocol: 'msg-relay', target: { kind: 'peer', peer: farInfo!.key }, payload: '{"msg":"from node1\'s operator"}' })).toEqual({ recipients: 1 });
    expect(await far.json()).toEqual({ msg: "from node1's operator", to: farId, from: 'host', message_type: 'peer_communication' });

    expect(await api.result('kick', { key: farInfo!.key, code: 4001, reason: 'kicked across nodes' })).toEqual({ kicked: true });
    expect(await far.closed).toEqual({ code: 4001, reason: 'kicked across nodes' });
    await near.close();
  });
});
