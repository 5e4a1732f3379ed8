import { mkdirSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PeerInfo, Stats } from '../../relay/console/types.js';
import { launchChromium, type Browser } from '../helpers/browser.js';
import { Client } from '../helpers/client.js';
import { startCluster, until, type Cluster } from '../helpers/cluster.js';
import { ConsoleApiClient } from '../helpers/console-api.js';

/**
 * node1's console of a two-node cluster, over its real API and in Debian's Chromium: it lists
 * every node and every node's peers, and reaches a peer on node2 (inject, kick). Real
 * processes, a real redis-server, real ws clients.
 */

const SHOTS = 'test-results/screenshots';
const TOKEN = 'sesame';

let cluster: Cluster;
let api: ConsoleApiClient;
beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  cluster = await startCluster(2, ['--console-token', TOKEN]);
  api = await ConsoleApiClient.open(`${cluster.nodes[0]!.url}/console/api?token=${TOKEN}`);
}, 30_000);
afterAll(async () => {
  api?.close();
  await cluster?.stop();
});

const stats = async (): Promise<Stats> => (await api.result<{ stats: Stats }>('snapshot')).stats;
const peersOf = async (text: string): Promise<PeerInfo[]> => (await api.result<{ peers: PeerInfo[] }>('peers', { filter: { text } })).peers;

/** A msg-relay peer in a group of its own, so no other peer's presence comes between it and what a test awaits. */
async function msgRelay(url: string, meta: string): Promise<{ c: Client; id: string }> {
  const c = await Client.open(`${url}/msg-relay`, { headers: { 'x-peer-group': meta, 'x-peer-meta': meta } });
  return { c, id: (await c.json<{ connection_id: string }>()).connection_id };
}

describe("a cluster node's console API", () => {
  it('lists the nodes with their addresses, peers and heartbeats, and this node healthy', async () => {
    const far = await msgRelay(cluster.nodes[1]!.url, 'overview-far');
    await until("node2's heartbeat counts its peer", async () => (await stats()).cluster?.nodes?.find((n) => n.name === 'node2')?.peers === 1);
    const { cluster: status } = await stats();
    expect(status).toMatchObject({ status: 'ok', node: 'node1' });
    expect(status!.nodes!.map((n) => n.name)).toEqual(['node1', 'node2']);
    const node2 = status!.nodes!.find((n) => n.name === 'node2')!;
    expect(node2.urls).toEqual([`${cluster.nodes[1]!.url}/`]);
    expect(node2.lastHeartbeat).toBeGreaterThan(0);
    // The stats event every second carries it too.
    await until('a stats event with the nodes', () => api.events.some((e) => e.type === 'stats' && e.stats.cluster?.nodes?.length === 2));
    await far.c.close();
  });

  it("lists every node's peers with their node, sorts by node, and injects to and kicks a peer on node2", async () => {
    const near = await msgRelay(cluster.nodes[0]!.url, 'near-one');
    const far = await msgRelay(cluster.nodes[1]!.url, 'far-one');
    await until('node1 knows the far peer', async () => (await peersOf('far-one')).length === 1);
    const [farInfo] = await peersOf('far-one');
    expect(farInfo).toMatchObject({ id: far.id, node: 'node2', protocol: 'msg-relay', rooms: ['far-one'], meta: 'far-one', msgsIn: 0 });
    expect((await peersOf('near-one'))[0]).toMatchObject({ id: near.id, node: 'node1' });
    expect(await api.result('peer', { key: farInfo!.key })).toMatchObject({ id: far.id, node: 'node2' });

    const byNode = async (desc: boolean): Promise<string[]> =>
      (await api.result<{ peers: PeerInfo[] }>('peers', { filter: { text: '-one' }, sort: { key: 'node', desc } })).peers.map((p) => p.node!);
    expect(await byNode(false)).toEqual(['node1', 'node2']);
    expect(await byNode(true)).toEqual(['node2', 'node1']);
    const msgRelayOnly = await api.result<{ total: number }>('peers', { filter: { protocol: 'spacewar', text: '-one' } });
    expect(msgRelayOnly.total).toBe(0);

    expect(await api.result('inject', { protocol: 'msg-relay', target: { kind: 'peer', peer: farInfo!.key }, payload: '{"msg":"from node1\'s operator"}' })).toEqual({ recipients: 1 });
    expect(await far.c.json()).toEqual({ msg: "from node1's operator", to: far.id, from: 'host', message_type: 'peer_communication' });

    expect(await api.result('kick', { key: farInfo!.key, code: 4001, reason: 'kicked across nodes' })).toEqual({ kicked: true });
    expect(await far.c.closed).toEqual({ code: 4001, reason: 'kicked across nodes' });
    await until('node1 hears the far peer left', async () => (await peersOf('far-one')).length === 0);
    expect(await api.result('kick', { key: farInfo!.key })).toEqual({ kicked: false });
    await near.c.close();
  });
});

describe("a cluster node's console in Chromium", () => {
  let browser: Browser;
  let page: Page;
  let near: { c: Client; id: string };
  let far: { c: Client; id: string };
  beforeAll(async () => {
    near = await msgRelay(cluster.nodes[0]!.url, 'alice-on-node1');
    far = await msgRelay(cluster.nodes[1]!.url, 'bob-on-node2');
    browser = await launchChromium();
    page = await browser.context.newPage();
  }, 30_000);
  afterAll(async () => {
    await browser?.close();
    await near?.c.close();
    await far?.c.close();
  });

  const tab = (name: string) => page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name, exact: true });
  const nodesCard = () => page.locator('section.nodes');
  const nodeRow = (name: string) => nodesCard().locator('tbody tr', { hasText: name });

  it('lists both nodes on Overview, with their addresses and peers, and this node healthy', async () => {
    await page.goto(`${cluster.nodes[0]!.http}/console/#token=${TOKEN}`);
    await page.getByRole('status', { name: 'connection open' }).waitFor();
    await nodesCard().getByRole('heading', { name: 'Cluster nodes' }).waitFor();
    await nodesCard().getByText('node1: healthy').waitFor();
    await nodeRow('node2').getByText(`${cluster.nodes[1]!.url}/`).waitFor();
    await expect.poll(() => nodeRow('node2').locator('td').nth(2).innerText(), { timeout: 10_000 }).toBe('1');
    await expect.poll(() => nodeRow('node1').locator('td').nth(2).innerText(), { timeout: 10_000 }).toBe('1');
    expect(await nodeRow('node1').innerText()).toContain('this node');
    expect(await nodeRow('node2').locator('td').nth(4).innerText()).toMatch(/ago$/);
    await page.screenshot({ path: `${SHOTS}/cluster-overview.png`, fullPage: true });
  });

  it("lists both nodes' peers in Peers with a Node column that sorts", async () => {
    await tab('Peers').click();
    const list = page.getByRole('list', { name: 'Peers' });
    const row = (id: string) => list.locator('.trow', { hasText: id });
    await row(far.id).getByText('node2', { exact: true }).waitFor();
    await row(near.id).getByText('node1', { exact: true }).waitFor();
    await row(far.id).getByText('counted on node2').waitFor();
    const sortByNode = page.getByRole('button', { name: 'Node', exact: true });
    await sortByNode.click();
    await expect.poll(() => list.locator('.trow').first().innerText()).toContain(near.id);
    await sortByNode.click();
    await expect.poll(() => list.locator('.trow').first().innerText()).toContain(far.id);
    await row(far.id).click();
    const detail = page.getByRole('complementary', { name: 'Peer detail' });
    await detail.getByText('node2', { exact: true }).waitFor();
    await page.screenshot({ path: `${SHOTS}/cluster-peers.png`, fullPage: true });
  });

  it('kicks the peer on node2 from the detail panel', async () => {
    const detail = page.getByRole('complementary', { name: 'Peer detail' });
    await detail.getByLabel('Close code').fill('4002');
    await detail.getByLabel('Close reason').fill('kicked from the browser');
    await detail.getByRole('button', { name: 'Kick' }).click();
    expect(await far.c.closed).toEqual({ code: 4002, reason: 'kicked from the browser' });
  });

  it('says on Traffic that it shows this node only', async () => {
    await tab('Traffic').click();
    await page.getByRole('note').getByText(/The traffic of node1 only/).waitFor();
  });

  it('says degraded on Overview while Redis is away, and healthy once it is back', async () => {
    await tab('Overview').click();
    await cluster.redis.stop();
    try {
      await until('node1 says degraded', async () => (await stats()).cluster?.status === 'degraded');
      await nodesCard().getByText('node1: degraded').waitFor();
      await nodesCard().getByText(/lost Redis/).waitFor();
      await page.screenshot({ path: `${SHOTS}/cluster-overview-degraded.png`, fullPage: true });
    } finally {
      await cluster.redis.restart();
    }
    await nodesCard().getByText('node1: healthy').waitFor({ timeout: 15_000 });
  });
});
