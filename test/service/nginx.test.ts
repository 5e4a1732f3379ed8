import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProtocolName } from '../../relay/config/schema.js';
import { Client } from '../helpers/client.js';
import { startNginx, type Nginx } from '../helpers/nginx.js';
import { startRelay, type Running } from '../helpers/relay.js';

/**
 * Every protocol through a real nginx (Debian's), on one port, as docs/deployment.md configures
 * it. Loopback has a whole /8, so the client, the proxy and the relay each get their own address.
 */
const CLIENT = '127.0.0.2';
const PROXY = '127.0.0.3';

interface ProxyCase {
  protocol: ProtocolName;
  /** The path a client of this protocol opens through the proxy. */
  path: string;
  /** Proves frames pass both ways; resolves once the relay holds the peer. */
  talk(client: Client): Promise<void>;
}

/** One entry per protocol. */
const CASES: ProxyCase[] = [
  {
    protocol: 'msg-relay',
    path: '/ws_msg_relay?group=proxied',
    async talk(client) {
      expect((await client.json()).message_type).toBe('connection_id');
      client.send('ping');
      expect(await client.next()).toBe('pong');
    },
  },
];

describe.each([
  { trust: 'on', trustProxy: [PROXY], expected: CLIENT },
  { trust: 'off', trustProxy: [], expected: PROXY },
])('behind nginx with trust $trust', ({ trustProxy, expected }) => {
  let relay: Running;
  let nginx: Nginx;

  beforeAll(async () => {
    relay = await startRelay({ trustProxy });
    nginx = await startNginx({ upstream: `127.0.0.1:${relay.port}`, bind: PROXY });
  });
  afterAll(async () => {
    await nginx?.stop();
    await relay?.stop();
  });

  it.each(CASES)(`a $protocol client connects and the relay records ${expected}`, async ({ protocol, path, talk }) => {
    const client = await Client.open(nginx.url.replace('http', 'ws') + path, { localAddress: CLIENT });
    try {
      await talk(client);
      const peers = [...relay.relay.hub.peers(protocol)];
      expect(peers.map((p) => p.remote)).toEqual([expected]);
    } finally {
      await client.close();
    }
  });
});
