import { monitorEventLoopDelay } from 'node:perf_hooks';
import { loadConfig } from '../../relay/config/load.js';
import type { TrafficTap } from '../../relay/core/tap.js';
import { Relay } from '../../relay/relay.js';
import { startBareRelay } from './bare-relay.js';

/**
 * The relay under test, in its own process (forked by run.ts with an IPC channel), so the load
 * generator's clients never share its event loop. argv[2] is "bare" or "switchboard".
 */

export type RelayKind = 'bare' | 'switchboard';

/** `maxBatch` bounds a console batch to the newest records; the rest count as skipped. */
export type Command = { cmd: 'memory' } | { cmd: 'usage' } | { cmd: 'console'; on: boolean; maxBatch?: number } | { cmd: 'exit' };

export interface Ready {
  ready: true;
  port: number;
  /** Protocols the relay speaks ("bare" for the floor). */
  protocols: string[];
}

/** CPU used since the start, and the event loop's delays since the last ask. */
export interface Usage {
  cpuMicros: number;
  lagP99Ms: number;
  lagMaxMs: number;
}

export interface Memory {
  rss: number;
  heapUsed: number;
  external: number;
}

/** How often the console's subscriber reads the tap: the ConsoleService batches at most 20/s. */
const CONSOLE_BATCH_MS = 50;

/**
 * A console subscribed to all traffic, as the ConsoleService will be: it reads the tap on a
 * timer and serializes each batch for its UI. It stands in for the real service until it exists.
 */
function subscribeToTap(tap: TrafficTap, maxBatch = tap.capacity): () => void {
  let cursor = tap.head;
  const timer = setInterval(() => {
    const from = Math.max(cursor, tap.head - maxBatch);
    const batch = tap.read(from, maxBatch);
    JSON.stringify({ records: batch.records, skipped: batch.skipped + from - cursor });
    cursor = batch.next;
  }, CONSOLE_BATCH_MS);
  return () => clearInterval(timer);
}

function memory(): Memory {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  gc?.();
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, external: m.external };
}

async function main(kind: RelayKind): Promise<void> {
  const send = (msg: Ready | Memory | Usage | { ok: true }): void => void process.send!(msg);
  const lag = monitorEventLoopDelay({ resolution: 1 });
  lag.enable();
  let stop: () => Promise<void>;
  let unsubscribe: (() => void) | undefined;
  let tap: TrafficTap | undefined;
  if (kind === 'bare') {
    const { server, port } = await startBareRelay();
    stop = () => new Promise((resolve) => server.close(() => resolve()));
    send({ ready: true, port, protocols: ['bare'] });
  } else {
    // SWITCHBOARD_* variables apply, to bench other settings; it always listens on 127.0.0.1.
    const relay = new Relay(loadConfig({ env: process.env, overrides: { host: '127.0.0.1', port: 0 } }));
    const [main] = await relay.start();
    tap = relay.tap;
    stop = () => relay.stop();
    send({ ready: true, port: main!.port, protocols: relay.protocols });
  }
  process.on('message', (msg: Command) => {
    if (msg.cmd === 'memory') send(memory());
    else if (msg.cmd === 'usage') {
      const { user, system } = process.cpuUsage();
      send({ cpuMicros: user + system, lagP99Ms: lag.percentile(99) / 1e6, lagMaxMs: lag.max / 1e6 });
      lag.reset();
    }
    else if (msg.cmd === 'console') {
      unsubscribe?.();
      unsubscribe = msg.on && tap ? subscribeToTap(tap, msg.maxBatch) : undefined;
      send({ ok: true });
    } else {
      unsubscribe?.();
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
