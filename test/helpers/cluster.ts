import { runCli, type Spawned } from './process.js';
import { startRedis, type TestRedis } from './redis.js';

export interface Node {
  name: string;
  /** ws://127.0.0.1:PORT */
  url: string;
  /** http://127.0.0.1:PORT */
  http: string;
  process: Spawned;
}

export interface Cluster {
  redis: TestRedis;
  nodes: Node[];
  /** Starts one more node on the same Redis. */
  add(name: string): Promise<Node>;
  stop(): Promise<void>;
}

/** A node's heartbeat timeout in the tests: a SIGKILLed node is gone for the others within about 3 s. */
export const TEST_NODE_TIMEOUT_SECONDS = 2;

/** Starts one node: the built CLI in its own process, on a free port. */
export async function startNode(redis: TestRedis, name: string, args: string[] = []): Promise<Node> {
  const p = runCli(['serve', '--port', '0', '--cluster', redis.url, '--node-name', name, '--cluster-node-timeout-seconds', String(TEST_NODE_TIMEOUT_SECONDS), ...args]);
  const [, port] = await p.waitFor(/on ws:\/\/127\.0\.0\.1:(\d+)\//);
  return { name, url: `ws://127.0.0.1:${port}`, http: `http://127.0.0.1:${port}`, process: p };
}

/** A real redis-server and `count` nodes sharing it, each its own process. */
export async function startCluster(count: number, args: string[] = []): Promise<Cluster> {
  const redis = await startRedis();
  const nodes = await Promise.all(Array.from({ length: count }, (_, i) => startNode(redis, `node${i + 1}`, args)));
  return {
    redis,
    nodes,
    async add(name) {
      const node = await startNode(redis, name, args);
      nodes.push(node);
      return node;
    },
    async stop() {
      await Promise.all(
        nodes.map(async (n) => {
          if (n.process.child.exitCode !== null || n.process.child.signalCode !== null) return;
          n.process.child.kill('SIGTERM');
          await n.process.exited;
        }),
      );
      await redis.dispose();
    },
  };
}

/** Waits for a condition the cluster reaches asynchronously, checking every 25 ms, for at most `ms`. */
export async function until(what: string, ok: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
