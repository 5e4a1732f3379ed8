import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ProtocolName } from '../../relay/config/schema.js';
import type { Change, ClusterPeer } from '../../relay/cluster/mirror.js';
import { ClusterNode, type Health, type JoinRequest } from '../../relay/cluster/node.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';

/** The cluster's data model against a real redis-server: two nodes in this process, no relay. */

let redis: TestRedis;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis.dispose();
});

interface TestNode {
  node: ClusterNode;
  local: ClusterPeer[];
  changes: Change[];
  health: Health[];
  join(protocol: ProtocolName, rooms: string[], mode: 'counter' | 'unique', id?: string): Promise<ClusterPeer>;
}

const nodes: TestNode[] = [];
let serial = 0;

async function startNode(name: string, timeoutMs = 6000): Promise<TestNode> {
  const local: ClusterPeer[] = [];
  const changes: Change[] = [];
  const health: Health[] = [];
  const node = new ClusterNode({
    target: { host: '127.0.0.1', port: redis.port, db: 0, node: name },
    timeoutMs,
    localPeers: () => local,
    info: () => ({ urls: [], peers: local.length, msgsPerSecond: 0, startedAt: 0 }),
    onChanges: (c) => changes.push(...c),
    onMessage: () => undefined,
    onHealth: (h) => health.push(h),
  });
  await node.start();
  const t: TestNode = {
    node,
    local,
    changes,
    health,
    async join(protocol, rooms, mode, id = `id${++serial}`) {
      const req: JoinRequest = { key: `${name}/p${++serial}`, protocol, id, rooms, meta: 'm', remote: '127.0.0.1', connectedAt: Date.now() };
      const peer = await node.join(req, mode);
      local.push(peer);
      return peer;
    },
  };
  nodes.push(t);
  return t;
}

async function until(what: string, ok: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

afterEach(async () => {
  for (const t of nodes.splice(0)) await t.node.stop();
});

describe('cluster registry in Redis', () => {
  it('counts spacewar ids per room across nodes from 1, and starts over once the room is empty everywhere', async () => {
    const a = await startNode('a');
    const b = await startNode('b');
    const one = await a.join('spacewar', ['/ws-relay/r1'], 'counter');
    const two = await b.join('spacewar', ['/ws-relay/r1'], 'counter');
    const other = await b.join('spacewar', ['/ws-relay/r2'], 'counter');
    expect([one.id, two.id, other.id]).toEqual(['1', '2', '1']);
    await until('a sees both members', () => a.node.mirror.roomSize('spacewar', '/ws-relay/r1') === 2);
    expect([...a.node.mirror.members('spacewar', '/ws-relay/r1')].map((p) => p.id)).toEqual(['1', '2']);

    a.node.leave(one.key, 1000, 'bye');
    expect((await b.join('spacewar', ['/ws-relay/r1'], 'counter')).id).toBe('3');
    b.node.leave(two.key, 1000, 'bye');
    const three = b.local.at(-1)!;
    b.node.leave(three.key, 1000, 'bye');
    await until('the room is empty', () => b.node.mirror.roomSize('spacewar', '/ws-relay/r1') === 0);
    expect((await a.join('spacewar', ['/ws-relay/r1'], 'counter')).id).toBe('1');
  });

  it('refuses an id another node holds, and hears joins and leaves in one order on every node', async () => {
    const a = await startNode('a');
    const b = await startNode('b');
    await a.join('msg-relay', ['g'], 'unique', 'same');
    await expect(b.join('msg-relay', ['g'], 'unique', 'same')).rejects.toThrow(/TAKEN/);
    const x = await b.join('msg-relay', ['g'], 'unique', 'x');
    b.node.leave(x.key, 1000, 'bye');
    await until('a heard the leave', () => a.changes.some((c) => 'left' in c));
    await until('b heard the leave', () => b.changes.some((c) => 'left' in c));
    const story = (t: TestNode): string[] => t.changes.map((c) => ('joined' in c ? `+${c.joined.id}` : `-${c.left.id}`));
    expect(story(a)).toEqual(['+same', '+x', '-x']);
    expect(story(b)).toEqual(story(a));
    expect(a.changes.every((c) => c.told)).toBe(true);
  });

  it('reaps a node that stopped beating: its peers leave for the others, untold', async () => {
    const a = await startNode('a', 2000);
    const b = await startNode('b', 2000);
    const doomed = await b.join('msg-relay', ['g'], 'unique');
    await until('a knows the peer', () => a.node.mirror.peer(doomed.key) !== undefined);
    // As if its process died: no heartbeat, no goodbye (the cluster tests SIGKILL real nodes).
    const insides = b.node as unknown as { cmd: { disconnect(): void }; sub: { disconnect(): void }; timers: NodeJS.Timeout[] };
    insides.timers.forEach(clearInterval);
    insides.cmd.disconnect();
    insides.sub.disconnect();
    nodes.splice(nodes.indexOf(b), 1);
    await until('a reaped b', () => a.node.mirror.peer(doomed.key) === undefined, 8000);
    const left = a.changes.find((c) => 'left' in c && c.left.key === doomed.key);
    expect(left).toMatchObject({ told: false, reason: 'node b left the cluster' });
    expect(a.node.mirror.nodes.has('b')).toBe(false);
  });

  it('resynchronises after Redis restarts empty: peers are registered again and counters resume above live ids', async () => {
    const a = await startNode('a');
    const b = await startNode('b');
    await a.join('spacewar', ['/ws-relay/z'], 'counter');
    await b.join('spacewar', ['/ws-relay/z'], 'counter');
    await redis.restart();
    await until('both degraded then ok', () => [a, b].every((t) => t.health.includes('degraded') && t.node.health === 'ok'));
    await until('a sees both again', () => a.node.mirror.roomSize('spacewar', '/ws-relay/z') === 2);
    expect((await b.join('spacewar', ['/ws-relay/z'], 'counter')).id).toBe('3');
  });
});
