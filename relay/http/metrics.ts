import { PROTOCOLS } from '../config/schema.js';
import type { Core } from '../core/core.js';
import type { ProtocolCounters } from '../core/delivery.js';

const FAMILIES: [keyof ProtocolCounters, string, 'gauge' | 'counter', string][] = [
  ['connections', 'switchboard_connections', 'gauge', 'Open connections by protocol.'],
  ['msgsIn', 'switchboard_messages_in_total', 'counter', 'Frames received from clients.'],
  ['bytesIn', 'switchboard_bytes_in_total', 'counter', 'Bytes received from clients.'],
  ['msgsOut', 'switchboard_messages_out_total', 'counter', 'Frames sent to clients.'],
  ['bytesOut', 'switchboard_bytes_out_total', 'counter', 'Bytes sent to clients.'],
  ['drops', 'switchboard_drops_total', 'counter', 'Frames not delivered because a client was not reading.'],
];

/** The Prometheus text exposition format, version 0.0.4. */
export function renderMetrics({ hub, delivery }: Pick<Core, 'hub' | 'delivery'>): string {
  const out: string[] = [];
  for (const [field, name, type, help] of FAMILIES) {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const p of PROTOCOLS) out.push(`${name}{protocol="${p}"} ${delivery.counters[p][field]}`);
  }
  out.push('# HELP switchboard_closes_total Sockets closed, by close code.', '# TYPE switchboard_closes_total counter');
  for (const [code, n] of [...hub.closesByCode].sort((a, b) => a[0] - b[0])) out.push(`switchboard_closes_total{code="${code}"} ${n}`);
  // Memory, so a soak or a scraper can see whether the relay stays flat over time.
  const mem = process.memoryUsage();
  out.push('# HELP process_resident_memory_bytes Resident memory size in bytes.', '# TYPE process_resident_memory_bytes gauge', `process_resident_memory_bytes ${mem.rss}`);
  out.push('# HELP nodejs_heap_used_bytes V8 heap in use, in bytes.', '# TYPE nodejs_heap_used_bytes gauge', `nodejs_heap_used_bytes ${mem.heapUsed}`);
  return out.join('\n') + '\n';
}
