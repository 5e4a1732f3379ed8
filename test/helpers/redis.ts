import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalRedis, type LocalRedis } from '../../relay/cluster/local-redis.js';

export interface TestRedis extends LocalRedis {
  /** Stops the server and removes its folder. */
  dispose(): Promise<void>;
}

/** A redis-server of the test's own: a free port, no persistence, a temp folder. */
export async function startRedis(): Promise<TestRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-redis-'));
  const redis = await startLocalRedis(dir);
  return {
    ...redis,
    async dispose() {
      await redis.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
