import { loadConfig } from '../../relay/config/load.js';
import type { Config } from '../../relay/config/schema.js';
import { Relay } from '../../relay/relay.js';

export interface Running {
  relay: Relay;
  port: number;
  /** ws://127.0.0.1:PORT */
  url: string;
  stop(): Promise<void>;
}

/** Starts a real relay on 127.0.0.1 and a free port. */
export async function startRelay(overrides: Partial<Config> = {}): Promise<Running> {
  const relay = new Relay(loadConfig({ overrides: { host: '127.0.0.1', port: 0, ...overrides } }));
  const [main] = await relay.start();
  const port = main!.port;
  return { relay, port, url: `ws://127.0.0.1:${port}`, stop: () => relay.stop() };
}
