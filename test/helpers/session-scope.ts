import { afterEach } from 'vitest';
import { Channelstream } from './channelstream.js';
import { Client } from './client.js';
import { startRelay, type Running } from './relay.js';

/**
 * The relays and clients one test opens, all closed after it, so a test file that starts a
 * fresh relay per test needs no bookkeeping of its own. Call at the top of the file.
 */
export function perTest(): {
  relay(overrides?: Parameters<typeof startRelay>[0]): Promise<Running>;
  channelstream(overrides?: Parameters<typeof Channelstream.start>[0]): Promise<Channelstream>;
  open(url: string, headers?: Record<string, string>): Promise<Client>;
} {
  const stops: (() => Promise<unknown>)[] = [];
  const clients: Client[] = [];
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    for (const stop of stops.splice(0)) await stop();
  });
  return {
    async relay(overrides) {
      const r = await startRelay(overrides);
      stops.push(() => r.stop());
      return r;
    },
    async channelstream(overrides) {
      const cs = await Channelstream.start(overrides);
      stops.push(() => cs.stop());
      return cs;
    },
    async open(url, headers = {}) {
      const c = await Client.open(url, { headers });
      clients.push(c);
      return c;
    },
  };
}
