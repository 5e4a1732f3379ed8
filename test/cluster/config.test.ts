import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { ConfigError, clusterTarget, loadConfig } from '../../relay/config/load.js';

describe('cluster configuration', () => {
  it('runs one node alone unless a cluster is named', () => {
    expect(clusterTarget(loadConfig())).toBeUndefined();
  });

  it('reads --cluster, SWITCHBOARD_CLUSTER and --node-name', () => {
    expect(clusterTarget(loadConfig({ argv: ['--cluster', 'redis://10.0.0.5:6380/2', '--node-name', 'node1'] }))).toEqual({
      host: '10.0.0.5',
      port: 6380,
      db: 2,
      node: 'node1',
    });
    expect(clusterTarget(loadConfig({ env: { SWITCHBOARD_CLUSTER: 'redis://redis.lan' } }))).toEqual({
      host: 'redis.lan',
      port: 6379,
      db: 0,
      node: `${hostname()}-${process.pid}`,
    });
  });

  it.each([
    ['http://127.0.0.1:6379', 'is not a redis:// URL'],
    ['127.0.0.1:6379', 'is not a URL'],
    ['redis://127.0.0.1:6379/zero', 'names a database that is not a number'],
    ['redis://:6379', 'is not a URL'],
  ])('rejects the cluster %s, naming the key', (cluster, why) => {
    expect(() => loadConfig({ argv: ['--cluster', cluster] })).toThrow(ConfigError);
    expect(() => loadConfig({ argv: ['--cluster', cluster] })).toThrow(`key "cluster": "${cluster}" ${why}`);
  });

  it('rejects a node name that would not be one word', () => {
    expect(() => loadConfig({ argv: ['--node-name', 'node 1'] })).toThrow('key "nodeName": "node 1" must be 1 to 64 letters');
  });
});
