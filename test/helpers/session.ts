import { afterEach, beforeEach } from 'vitest';
import type { Config } from '../../relay/config/schema.js';
import type { Relay } from '../../relay/relay.js';
import { Client } from './client.js';
import { startRelay, type Running } from './relay.js';

/**
 * A fresh relay for every test of a file, and the clients the test opened, terminated after it.
 * Call at the top level of a test file.
 */
export class RelaySession {
  private running: Running | undefined;
  private clients: Client[] = [];

  constructor() {
    beforeEach(async () => {
      this.running = await startRelay();
      this.clients = [];
    });
    afterEach(async () => {
      for (const c of this.clients) c.ws.terminate();
      await this.running?.stop();
    });
  }

  get relay(): Relay {
    return this.running!.relay;
  }

  /** ws://127.0.0.1:PORT of the main listener. */
  get url(): string {
    return this.running!.url;
  }

  /** Replaces this test's relay with one started with these settings. */
  async restart(overrides: Partial<Config>): Promise<void> {
    await this.running?.stop();
    this.running = await startRelay(overrides);
  }

  /** Opens a client on a path of the main listener, or on a full ws:// URL. */
  async open(pathOrUrl: string): Promise<Client> {
    const c = await Client.open(pathOrUrl.startsWith('ws://') ? pathOrUrl : this.url + pathOrUrl);
    this.clients.push(c);
    return c;
  }
}
