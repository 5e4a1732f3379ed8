import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { loadConfig } from '../../relay/config/load.js';
import { serveConsole } from '../../relay/console/http.js';
import { Relay } from '../../relay/relay.js';
import { startBareRelay } from './bare-relay.js';

/**
 * The relay under test, in its own process (forked by run.ts with an IPC channel), so the load
 * generator's clients never share its event loop. argv[2] is "bare" or "switchboard".
 */

export type RelayKind = 'bare' | 'switchboard';

export type Command = { cmd: 'memory' } | { cmd: 'usage' } | { cmd: 'exit' };

export interface Ready {
  ready: true;
  port: number;
  /** Protocols the relay speaks ("bare" for the floor). */
  protocols: string[];
  /** The token of the console API at /console/api (Switchboard only). */
  consoleToken?: string;
}

/** CPU used since the start, and the event loop's delays and garbage-collection pauses since the last ask. */
export interface Usage {
  cpuMicros: number;
  lagP99Ms: number;
  lagMaxMs: number;
  gcMs: number;
  gcMaxMs: number;
}

export interface Memory {
  rss: number;
  heapUsed: number;
  external: number;
}

/** Above the idle scenario's 10,000, with room for sockets of the scenario before still closing. */
const MAX_CONNECTIONS = 20_000;

function memory(): Memory {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  gc?.();
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, external: m.external };
}

async function main(kind: RelayKind): Promise<void> {
  const send = (msg: Ready | Memory | Usage): void => void process.send!(msg);
  const lag = monitorEventLoopDelay({ resolution: 1 });
  lag.enable();
  const gc = { ms: 0, maxMs: 0 };
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      gc.ms += e.duration;
      gc.maxMs = Math.max(gc.maxMs, e.duration);
    }
  }).observe({ entryTypes: ['gc'] });
  let stop: () => Promise<void>;
  if (kind === 'bare') {
    const { server, port } = await startBareRelay();
    stop = () => new Promise((resolve) => server.close(() => resolve()));
    send({ ready: true, port, protocols: ['bare'] });
  } else {
    // SWITCHBOARD_* variables apply, to bench other settings; it always listens on 127.0.0.1,
    // and every client comes from that one address, so the per-address limit is the global one.
    // The console is served as `switchboard serve` serves it, so its cost is always in the figures.
    const overrides = { host: '127.0.0.1', port: 0, maxConnections: MAX_CONNECTIONS, maxConnectionsPerAddress: MAX_CONNECTIONS };
    const relay = new Relay(loadConfig({ env: process.env, overrides }));
    const consoleServer = serveConsole(relay);
    const [main] = await relay.start();
    stop = () => {
      consoleServer.stop();
      return relay.stop();
    };
    send({ ready: true, port: main!.port, protocols: relay.protocols, consoleToken: consoleServer.token });
  }
  process.on('message', (msg: Command) => {
    if (msg.cmd === 'memory') send(memory());
    else if (msg.cmd === 'usage') {
      const { user, system } = process.cpuUsage();
      send({ cpuMicros: user + system, lagP99Ms: lag.percentile(99) / 1e6, lagMaxMs: lag.max / 1e6, gcMs: gc.ms, gcMaxMs: gc.maxMs });
      lag.reset();
      gc.ms = gc.maxMs = 0;
    } else {
      // A bounded stop, then a clean exit so --cpu-prof writes its profile.
      const deadline = setTimeout(() => process.exit(0), 3000);
      void stop().finally(() => {
        clearTimeout(deadline);
        process.exit(0);
      });
    }
  });
  process.on('disconnect', () => process.exit(0));
}

void main(process.argv[2] as RelayKind);
