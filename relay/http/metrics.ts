import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import { PROTOCOLS } from '../config/schema.js';
import type { Core } from '../core/core.js';
import type { ProtocolCounters } from '../core/delivery.js';

/**
 * /metrics in the Prometheus text format, by prom-client: the process and Node metrics every
 * exporter of a Node service names the same way (process_cpu_seconds_total,
 * nodejs_eventloop_lag_seconds, ...), and the relay's own. Nothing here runs per message: the
 * relay's families read the hub's plain counters when Prometheus scrapes.
 */

/** HTTP statuses the relay refuses a client with, counted in switchboard_refused_total. */
export const REFUSAL_STATUSES = [401, 403, 408, 429, 431, 503] as const;
export type RefusalStatus = (typeof REFUSAL_STATUSES)[number];
export const isRefusal = (status: number): status is RefusalStatus => (REFUSAL_STATUSES as readonly number[]).includes(status);

/**
 * A client picks its own close code (RFC 6455 lets it use 3000-4999 freely), so a label per
 * code would let one client mint thousands of series; the application ranges share a label.
 */
export const closeCodeLabel = (code: number): string => (code >= 3000 && code <= 4999 ? `${Math.floor(code / 1000)}xxx` : String(code));

const FAMILIES: [keyof ProtocolCounters, string, string][] = [
  ['msgsIn', 'switchboard_messages_in_total', 'Frames received from clients.'],
  ['bytesIn', 'switchboard_bytes_in_total', 'Bytes received from clients.'],
  ['msgsOut', 'switchboard_messages_out_total', 'Frames sent to clients.'],
  ['bytesOut', 'switchboard_bytes_out_total', 'Bytes sent to clients.'],
  ['drops', 'switchboard_drops_total', 'Frames not delivered because a client was not reading.'],
];

/**
 * Process-wide metrics belong to the process, not to one relay: one registry for them, made at
 * the first relay, so a process running many relays (the tests) watches its event loop once.
 */
let processRegistry: Registry | undefined;
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

export interface BuildInfo {
  version: string;
}

/** One relay's metrics: its hub's and delivery's counters, its refusals, and gauges others add (console sessions). */
export class RelayMetrics {
  private readonly registry = new Registry();
  private readonly refusals = new Map<RefusalStatus, number>();
  readonly contentType = this.registry.contentType;

  constructor({ hub, delivery }: Pick<Core, 'hub' | 'delivery'>, build: BuildInfo) {
    processMetrics();
    const registers = [this.registry];
    new Gauge({ name: 'switchboard_build_info', help: 'Always 1: the labels say which Switchboard and Node run.', labelNames: ['version', 'node'], registers }).set(
      { version: build.version, node: process.version },
      1,
    );
    new Gauge({
      name: 'switchboard_connections',
      help: 'Open connections by protocol.',
      labelNames: ['protocol'],
      registers,
      collect() {
        for (const p of PROTOCOLS) this.set({ protocol: p }, delivery.counters[p].connections);
      },
    });
    for (const [field, name, help] of FAMILIES)
      new Counter({
        name,
        help,
        labelNames: ['protocol'],
        registers,
        collect() {
          this.reset();
          for (const p of PROTOCOLS) this.inc({ protocol: p }, delivery.counters[p][field]);
        },
      });
    new Counter({
      name: 'switchboard_closes_total',
      help: 'Sockets closed, by close code: the standard codes one by one, the application ranges as 3xxx and 4xxx.',
      labelNames: ['code'],
      registers,
      collect() {
        this.reset();
        for (const [code, n] of hub.closesByCode) this.inc({ code: closeCodeLabel(code) }, n);
      },
    });
    const refusals = this.refusals;
    new Counter({
      name: 'switchboard_refused_total',
      help: 'Connections and requests refused, by HTTP status: 401 token, 403 origin or API access, 408 headers or body too slow, 429 per-address limit or console token guessing, 431 headers or metadata too large, 503 relay or room limit.',
      labelNames: ['status'],
      registers,
      collect() {
        this.reset();
        for (const status of REFUSAL_STATUSES) this.inc({ status: String(status) }, refusals.get(status) ?? 0);
      },
    });
    new Gauge({
      name: 'switchboard_rooms',
      help: 'Rooms (groups, channels) with at least one member, by protocol.',
      labelNames: ['protocol'],
      registers,
      collect() {
        const rooms = new Map<string, number>(PROTOCOLS.map((p) => [p, 0]));
        for (const [p] of hub.allRooms()) rooms.set(p, rooms.get(p)! + 1);
        for (const [protocol, n] of rooms) this.set({ protocol }, n);
      },
    });
  }

  /** Counts a refusal (a status outside REFUSAL_STATUSES is not one and is not counted). */
  refused(status: number): void {
    if (isRefusal(status)) this.refusals.set(status, (this.refusals.get(status) ?? 0) + 1);
  }

  /** A gauge read at scrape time, such as the console's open sessions. */
  gauge(name: string, help: string, read: () => number): void {
    new Gauge({
      name,
      help,
      registers: [this.registry],
      collect() {
        this.set(read());
      },
    });
  }

  /** The exposition text: the process's metrics, then this relay's. */
  async render(): Promise<string> {
    return (await processMetrics().metrics()) + '\n' + (await this.registry.metrics());
  }
}
