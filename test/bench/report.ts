import type { MatchTiming } from './meta-filter.js';
import type { Figures } from './scenarios.js';

export interface Results {
  startedAt: string;
  seconds: number;
  machine: { cpu: string; cores: number; memoryGiB: number; freeGiB: number; node: string };
  /** 1, 5 and 15 minute load averages when the run started and ended. */
  load: { start: number[]; end: number[] };
  targets: Record<string, { ran: boolean; reason?: string }>;
  scenarios: Record<string, { title: string; figures: Record<string, Figures>; errors: Record<string, string> }>;
  /** msg-relay's meta_filter matcher on hostile patterns, in the bench's own process. */
  metaFilter?: MatchTiming[];
}

const LABELS: Record<string, string> = {
  msgsPerSec: 'delivered msgs/s',
  deliveriesPerSec: 'deliveries/s',
  connsPerSec: 'connections/s',
  rate: 'offered msgs/s',
  p50: 'latency p50 ms',
  p99: 'latency p99 ms',
  max: 'latency max ms',
  sent: 'sent',
  broadcasts: 'broadcasts',
  losses: 'losses (undelivered 3 s after the last send)',
  failures: 'failures',
  connections: 'connections',
  rssKiBPerConn: 'RSS KiB per connection',
  heapKiBPerConn: 'heap + external KiB per connection',
  noneMsgsPerSec: 'msgs/s, no console',
  subscribedMsgsPerSec: 'msgs/s, console subscribed',
  costPct: 'console cost %',
  noneCpuUsPerMsg: 'relay CPU us per delivery, no console',
  subscribedCpuUsPerMsg: 'relay CPU us per delivery, console subscribed',
  cpuCostPct: 'console cost in relay CPU per delivery %',
  consoleRecords: 'records the console received',
  consoleSkippedPct: 'records the console skipped %',
  relayCpuPct: 'relay CPU % of one core',
  relayCpuUsPerMsg: 'relay CPU us per delivery',
  relayLagP99Ms: 'relay event-loop delay p99 ms',
  loadLagP99Ms: 'load generator event-loop delay p99 ms',
  relayGcPct: 'relay time in GC pauses %',
  relayGcMaxMs: 'relay longest GC pause ms',
  processes: 'server processes',
  uncapturedMsgsPerSec: 'msgs/s, no capture',
  capturedMsgsPerSec: 'msgs/s, capture recording',
  uncapturedCpuUsPerMsg: 'relay CPU us per message, no capture',
  capturedCpuUsPerMsg: 'relay CPU us per message, capture recording',
  captureCpuCostPct: 'capture cost in relay CPU per message %',
  uncapturedP99Ms: 'latency p99 ms, no capture',
  capturedP99Ms: 'latency p99 ms, capture recording',
  captureRecords: 'records captured',
  captureMiB: 'MiB captured',
  capturesStoppedEarly: 'captures that stopped before they were stopped',
};

/** Figures whose ratio to the floor means something (counts of zero do not). */
const RATIO = new Set(['msgsPerSec', 'deliveriesPerSec', 'connsPerSec', 'p50', 'p99', 'max', 'rssKiBPerConn', 'heapKiBPerConn', 'relayCpuUsPerMsg']);

const fmt = (x: number): string => (Number.isInteger(x) ? x.toLocaleString('en-US') : String(x));

interface Check {
  what: string;
  figure(r: Results, target: string): number | undefined;
  unit: string;
  met(x: number): boolean;
}

const ratio = (r: Results, scenario: string, key: string, target: string): number | undefined => {
  const f = r.scenarios[scenario]?.figures;
  const x = f?.[target]?.[key];
  const floor = f?.bare?.[key];
  return x !== undefined && floor ? Math.round((x / floor) * 100) / 100 : undefined;
};

const figure = (r: Results, scenario: string, key: string, target: string): number | undefined => r.scenarios[scenario]?.figures[target]?.[key];

const CHECKS: Check[] = [
  ...[
    ['unicast-32', 'msgsPerSec', 'unicast 32 B'],
    ['unicast-4k', 'msgsPerSec', 'unicast 4 KiB'],
    ['fanout-100', 'deliveriesPerSec', 'fan-out 100'],
    ['fanout-1000', 'deliveriesPerSec', 'fan-out 1,000'],
  ].map(([s, key, what]): Check => ({ what: `${what} throughput >= 0.8 x bare`, figure: (r, t) => ratio(r, s!, key!, t), unit: 'x', met: (x) => x >= 0.8 })),
  { what: 'p99 <= 5 ms at half the saturated unicast rate', figure: (r, t) => figure(r, 'unicast-half', 'p99', t), unit: 'ms', met: (x) => x <= 5 },
  { what: 'idle RSS <= 16 KiB per connection', figure: (r, t) => figure(r, 'idle', 'rssKiBPerConn', t), unit: 'KiB', met: (x) => x <= 16 },
  { what: 'subscribed console costs <= 10%', figure: (r, t) => figure(r, 'console', 'costPct', t), unit: '%', met: (x) => x <= 10 },
  {
    what: 'a recording capture costs <= 10% relay CPU per message at 5,000 msg/s',
    figure: (r, t) => figure(r, 'capture', 'captureCpuCostPct', t),
    unit: '%',
    met: (x) => x <= 10,
  },
];

const isCluster = (id: string): boolean => id.startsWith('cluster-');

/** How a cluster's figures compare with one relay's (or the bare relay's), and the issue's targets. */
const CLUSTER_CHECKS: { what: string; figure(r: Results): number | undefined; unit: string; met(x: number): boolean }[] = [
  ...(['cluster-unicast-32', 'cluster-fanout-100'] as const).map((s) => ({
    what: `${s.slice('cluster-'.length)}: server CPU per delivery across two nodes (nodes and Redis) <= 2 x one relay's`,
    figure: (r: Results) => {
      const f = r.scenarios[s]?.figures;
      const two = f?.['two nodes']?.relayCpuUsPerMsg;
      const one = f?.['one relay']?.relayCpuUsPerMsg;
      return two !== undefined && one ? Math.round((two / one) * 100) / 100 : undefined;
    },
    unit: 'x',
    met: (x: number) => x <= 2,
  })),
  {
    what: 'no loss across nodes',
    figure: (r) => {
      const losses = ['cluster-unicast-32', 'cluster-fanout-100'].map((s) => r.scenarios[s]?.figures['two nodes']?.losses);
      return losses.some((l) => l === undefined) ? undefined : losses.reduce((a, b) => a! + b!, 0);
    },
    unit: 'lost',
    met: (x) => x === 0,
  },
  {
    what: "idle RSS per connection over six nodes <= a bare ws relay's",
    figure: (r) => {
      const f = r.scenarios['cluster-idle']?.figures ?? {};
      const [nodes, bare] = [Object.entries(f).find(([n]) => n.endsWith('nodes'))?.[1], Object.entries(f).find(([n]) => n.startsWith('bare'))?.[1]];
      return nodes && bare ? Math.round((nodes.rssKiBPerConn! / bare.rssKiBPerConn!) * 100) / 100 : undefined;
    },
    unit: 'x',
    met: (x) => x <= 1,
  },
];

function renderCluster(r: Results): string[] {
  const ids = Object.keys(r.scenarios).filter(isCluster);
  if (ids.length === 0) return [];
  const out = ['', '## Cluster', '', 'Nodes are relay processes sharing one local redis-server; CPU per delivery counts every node and Redis.'];
  for (const id of ids) {
    const s = r.scenarios[id]!;
    const names = [...new Set([...Object.keys(s.figures), ...Object.keys(s.errors)])];
    out.push('', `**${s.title}**`, '', `| figure | ${names.join(' | ')} |`, `|---|${names.map(() => '---:').join('|')}|`);
    const keys = [...new Set(Object.values(s.figures).flatMap((f) => Object.keys(f)))];
    for (const key of keys) out.push(`| ${LABELS[key] ?? key} | ${names.map((n) => (s.figures[n]?.[key] === undefined ? (s.errors[n] ?? '') : fmt(s.figures[n]![key]!))).join(' | ')} |`);
    if (keys.length === 0) out.push(`| failed | ${names.map((n) => s.errors[n] ?? '').join(' | ')} |`);
  }
  out.push('', '| cluster target | figure | met |', '|---|---:|---|');
  for (const c of CLUSTER_CHECKS) {
    const x = c.figure(r);
    out.push(`| ${c.what} | ${x === undefined ? 'not measured' : `${x} ${c.unit}`} | ${x === undefined ? '' : c.met(x) ? 'yes' : 'NO'} |`);
  }
  return out;
}

export function renderMarkdown(r: Results): string {
  const names = Object.keys(r.targets);
  const out: string[] = [
    '# Switchboard benchmark',
    '',
    `${r.startedAt}, ${r.seconds} s. Machine: ${r.machine.cores} x ${r.machine.cpu}, ${r.machine.memoryGiB} GiB (${r.machine.freeGiB} free), Node ${r.machine.node}.`,
    `Load average (1, 5, 15 min): ${r.load.start.join(' ')} at the start, ${r.load.end.join(' ')} at the end.`,
    'Each relay runs in its own process; one load-generator process drives real ws clients over 127.0.0.1.',
    'In brackets: the ratio to the bare ws relay (the floor).',
    '',
  ];
  for (const [name, t] of Object.entries(r.targets)) if (!t.ran) out.push(`- ${name} skipped: ${t.reason}`);
  out.push('', `| scenario | figure | ${names.join(' | ')} |`, `|---|---|${names.map(() => '---:').join('|')}|`);
  for (const [id, s] of Object.entries(r.scenarios)) {
    if (isCluster(id)) continue;
    const keys = [...new Set(Object.values(s.figures).flatMap((f) => Object.keys(f)))];
    keys.forEach((key, i) => {
      const cells = names.map((n) => {
        const x = s.figures[n]?.[key];
        if (x === undefined) return i === 0 ? (s.errors[n] ?? (r.targets[n]?.ran ? 'n/a' : 'skipped')) : '';
        const floor = s.figures.bare?.[key];
        return n !== 'bare' && RATIO.has(key) && floor ? `${fmt(x)} (${(x / floor).toFixed(2)})` : fmt(x);
      });
      out.push(`| ${i === 0 ? s.title : ''} | ${LABELS[key] ?? key} | ${cells.join(' | ')} |`);
    });
  }
  out.push('', '## Targets', '', '| protocol | target | figure | met |', '|---|---|---:|---|');
  for (const n of names.filter((n) => n !== 'bare' && r.targets[n]?.ran))
    for (const c of CHECKS) {
      const x = c.figure(r, n);
      out.push(`| ${n} | ${c.what} | ${x === undefined ? 'not measured' : `${x} ${c.unit}`} | ${x === undefined ? '' : c.met(x) ? 'yes' : 'NO'} |`);
    }
  out.push(...renderCluster(r));
  if (r.metaFilter) {
    out.push('', '## meta_filter matching', '', 'msg-relay\'s glob matcher on the largest metadata a peer may bring, in the bench process.', '');
    out.push('| pattern | name bytes | matched | median us | max us | runs |', '|---|---:|---|---:|---:|---:|');
    for (const m of r.metaFilter) out.push(`| \`${m.pattern.replaceAll('|', '\\|')}\` | ${fmt(m.nameBytes)} | ${m.matched ? 'yes' : 'no'} | ${fmt(m.medianUs)} | ${fmt(m.maxUs)} | ${m.runs} |`);
  }
  return out.join('\n') + '\n';
}
