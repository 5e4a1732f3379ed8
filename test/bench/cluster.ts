import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startLocalRedis, type LocalRedis } from '../../relay/cluster/local-redis.js';
import { RelayProcess, round, sleep, withTimeout } from './load.js';
import { msgRelay } from './protocols.js';
import type { Results } from './report.js';
import { fanout, unicast, type Figures, type Target } from './scenarios.js';

/**
 * The cluster's figures, in the same run as the rest: msg-relay unicast and fan-out with the
 * peers on two nodes against the same on one relay, the CPU of every server process (nodes
 * and Redis) per delivered message; and 100,000 idle connections over six nodes, with the
 * memory per connection next to a bare ws relay holding as many per process. The load generator
 * runs as one process per node: 100,000 sockets need more descriptors than one process may have.
 */

const SECONDS = 3000;
/** The idle scenario's connections (`--cluster-idle N` changes it, for a machine that cannot). */
export const IDLE_TOTAL = 100_000;
const IDLE_NODES = 6;

/** CPU (user + system) a process has used, in microseconds, from /proc. */
function processCpuMicros(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  // utime and stime are fields 14 and 15 of stat(5), in clock ticks of 10 ms.
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

async function startNodes(redis: LocalRedis, count: number): Promise<RelayProcess[]> {
  const nodes: RelayProcess[] = [];
  for (let i = 1; i <= count; i++) nodes.push(await RelayProcess.start('switchboard', [], undefined, { SWITCHBOARD_CLUSTER: redis.url, SWITCHBOARD_NODE_NAME: `bench${i}` }));
  return nodes;
}

/** CPU of the nodes and of Redis together, for CPU per delivered message. */
function serverCpu(nodes: RelayProcess[], redis: LocalRedis): () => Promise<number> {
  return async () => {
    let total = 0;
    for (const n of nodes) total += (await n.usage()).cpuMicros;
    return total + processCpuMicros(redis.pid()!);
  };
}

type Say = (line: string) => void;

async function record(results: Results, id: string, title: string, say: Say, runs: [string, () => Promise<Figures>][]): Promise<void> {
  const entry: Results['scenarios'][string] = { title, figures: {}, errors: {} };
  results.scenarios[id] = entry;
  for (const [name, run] of runs) {
    try {
      entry.figures[name] = await run();
      say(`${title} | ${name} | ${Object.entries(entry.figures[name]!).map(([k, v]) => `${k} ${v}`).join(', ')}`);
    } catch (err) {
      entry.errors[name] = (err as Error).message;
      say(`${title} | ${name} | failed: ${(err as Error).message}`);
    }
  }
}

/** Unicast and fan-out, one relay against two nodes. */
async function crossNode(results: Results, say: Say): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-bench-redis-'));
  const redis = await startLocalRedis(dir);
  const single = await RelayProcess.start('switchboard');
  const [a, b] = (await startNodes(redis, 2)) as [RelayProcess, RelayProcess];
  try {
    const one: Target = { name: 'one relay', adapter: msgRelay, relay: single };
    const two: Target = { name: 'two nodes', adapter: msgRelay, relay: a, others: b, cpu: serverCpu([a, b], redis) };
    await record(results, 'cluster-unicast-32', 'cluster: msg-relay unicast 32 B, 10 pairs, senders on one node and receivers on the other', say, [
      ['one relay', () => unicast(one, 'cu-1', { size: 32, durationMs: SECONDS })],
      ['two nodes', () => unicast(two, 'cu-2', { size: 32, durationMs: SECONDS })],
    ]);
    await record(results, 'cluster-fanout-100', 'cluster: msg-relay fan-out to a room of 100, half of it on each node', say, [
      ['one relay', () => fanout(one, 'cf-1', 100, SECONDS)],
      ['two nodes', () => fanout(two, 'cf-2', 100, SECONDS)],
    ]);
  } finally {
    await Promise.all([single.stop(), a.stop(), b.stop()]);
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A load-generator process holding `count` idle msg-relay clients on one port. */
class IdleGenerator {
  private constructor(private readonly child: ChildProcess) {}

  static async start(port: number, count: number, group: string): Promise<{ gen: IdleGenerator; connected: number; failures: number }> {
    const child = fork(fileURLToPath(new URL('./idle-clients.js', import.meta.url)), [String(port), String(count), group], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const done = await withTimeout(
      new Promise<{ connected: number; failures: number }>((resolve, reject) => {
        child.once('message', (m) => resolve(m as { connected: number; failures: number }));
        child.once('exit', (code) => reject(new Error(`the load generator exited with ${code}`)));
      }),
      300_000,
      `connecting ${count} idle clients`,
    );
    return { gen: new IdleGenerator(child), ...done };
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.send('exit');
    await withTimeout(exited, 30_000, 'stopping a load generator').catch(() => this.child.kill('SIGKILL'));
  }
}

/** Memory per idle connection: six nodes holding 100,000, against one bare ws relay holding one node's share. */
async function idleOverSixNodes(results: Results, say: Say, total: number): Promise<void> {
  // One load-generator process per node, each under the 20,000 descriptors a process may hold here.
  const perGenerator = Math.ceil(total / IDLE_NODES);
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-bench-redis-'));
  const redis = await startLocalRedis(dir);
  const perNode = async (relays: RelayProcess[], count: number, group: string): Promise<Figures> => {
    const before = await Promise.all(relays.map((r) => r.memory()));
    const gens: IdleGenerator[] = [];
    let connected = 0;
    let failures = 0;
    try {
      const started = await Promise.all(relays.map((r, i) => IdleGenerator.start(r.port, count, `${group}${i}`)));
      for (const s of started) {
        gens.push(s.gen);
        connected += s.connected;
        failures += s.failures;
      }
      await sleep(2000);
      const after = await Promise.all(relays.map((r) => r.memory()));
      const sum = (ms: typeof after, key: 'rss' | 'heapUsed' | 'external'): number => ms.reduce((n, m) => n + m[key], 0);
      const per = (bytes: number): number => round(bytes / Math.max(1, connected) / 1024, 2);
      return {
        connections: connected,
        failures,
        processes: relays.length,
        rssKiBPerConn: per(sum(after, 'rss') - sum(before, 'rss')),
        heapKiBPerConn: per(sum(after, 'heapUsed') + sum(after, 'external') - sum(before, 'heapUsed') - sum(before, 'external')),
      };
    } finally {
      await Promise.all(gens.map((g) => g.stop()));
    }
  };
  try {
    await record(results, 'cluster-idle', `cluster: ${total.toLocaleString('en-US')} idle msg-relay connections over ${IDLE_NODES} nodes, one load-generator process per node`, say, [
      [
        `${IDLE_NODES} nodes`,
        async () => {
          const nodes = await startNodes(redis, IDLE_NODES);
          try {
            return await perNode(nodes, perGenerator, 'idle');
          } finally {
            await Promise.all(nodes.map((n) => n.stop()));
          }
        },
      ],
      [
        'bare ws relay, one node\'s share',
        async () => {
          const bareRelay = await RelayProcess.start('bare');
          try {
            return await perNode([bareRelay], perGenerator, 'idle-bare');
          } finally {
            await bareRelay.stop();
          }
        },
      ],
    ]);
  } finally {
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function benchCluster(results: Results, say: Say, idleTotal = IDLE_TOTAL): Promise<void> {
  await crossNode(results, say);
  await idleOverSixNodes(results, say, idleTotal);
}
