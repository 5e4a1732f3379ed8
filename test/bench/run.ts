import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, freemem, loadavg, totalmem } from 'node:os';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { RelayProcess } from './load.js';
import { benchCluster, IDLE_TOTAL } from './cluster.js';
import { benchMetaFilter } from './meta-filter.js';
import { bare, msgRelay, spacewar, type ProtocolAdapter } from './protocols.js';
import type { RelayKind } from './relay-process.js';
import { renderMarkdown, type Results } from './report.js';
import { captureCost, churn, consoleCost, fanout, idle, unicast, type Figures, type Target } from './scenarios.js';

/**
 * `npm run bench`: every scenario against the bare ws relay, msg-relay and spacewar, each on
 * its own relay process, interleaved scenario by scenario so load on the machine hits all alike.
 *
 *   --only a,b       run only these scenarios (ids below; meta-filter: the msg-relay glob
 *                    matcher in this process on 64 KiB names; cluster: cluster.ts's figures)
 *   --profile DIR    run Switchboard's relay processes under node --cpu-prof, profiles to DIR
 *   --out DIR        where results go (default test/bench/results)
 *   --cluster-idle N the cluster's idle connections over six nodes (default 100,000)
 *   --compare DIR    also run msg-relay on another build's output folder (its dist/), to
 *                    measure a change before and after under the same load
 */

interface Scenario {
  id: string;
  title: string;
  /** Whether the bare relay can run it (it has no console). */
  bare: boolean;
  run(t: Target, room: string, results: Results): Promise<Figures>;
}

const SECONDS = 3000;
/** The whole run stops starting scenarios after this, to stay within five minutes. */
const BUDGET_MS = 270_000;

const SCENARIOS: Scenario[] = [
  { id: 'idle', title: 'idle, 10,000 connections', bare: true, run: (t, room) => idle(t, room, 10_000) },
  { id: 'churn', title: 'churn, 2,000 cycles, 100 at a time', bare: true, run: (t, room) => churn(t, room, 2000, 100, 30_000) },
  { id: 'unicast-32', title: 'unicast 32 B, 10 pairs', bare: true, run: (t, room) => unicast(t, room, { size: 32, durationMs: SECONDS }) },
  { id: 'unicast-4k', title: 'unicast 4 KiB, 10 pairs', bare: true, run: (t, room) => unicast(t, room, { size: 4096, durationMs: SECONDS }) },
  {
    id: 'unicast-half',
    title: 'unicast 32 B at half its saturated rate',
    bare: true,
    run: (t, room, results) => {
      const saturated = results.scenarios['unicast-32']?.figures[t.name]?.msgsPerSec;
      if (!saturated) throw new Error('needs unicast-32 first');
      return unicast(t, room, { size: 32, durationMs: SECONDS, rate: Math.round(saturated / 2) }).then((f) => ({ rate: Math.round(saturated / 2), ...f }));
    },
  },
  { id: 'fanout-100', title: 'fan-out to a room of 100', bare: true, run: (t, room) => fanout(t, room, 100, SECONDS) },
  { id: 'fanout-1000', title: 'fan-out to a room of 1,000', bare: true, run: (t, room) => fanout(t, room, 1000, SECONDS) },
  { id: 'console', title: 'unicast 32 B, console subscribed vs none', bare: false, run: (t, room) => consoleCost(t, room, 2000) },
  { id: 'capture', title: 'unicast 32 B at 5,000 msg/s, a capture recording vs none', bare: false, run: (t, room) => captureCost(t, room, SECONDS) },
];

function args(): { only?: Set<string>; profile?: string; compare?: string; out: string; clusterIdle: number } {
  const argv = process.argv.slice(2);
  const value = (flag: string): string | undefined => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const only = value('--only');
  const profile = value('--profile');
  const compare = value('--compare');
  return {
    only: only ? new Set(only.split(',')) : undefined,
    profile: profile ? resolve(profile) : undefined,
    compare: compare ? resolve(compare, 'test/bench/relay-process.js') : undefined,
    out: resolve(value('--out') ?? 'test/bench/results'),
    clusterIdle: Number(value('--cluster-idle') ?? IDLE_TOTAL),
  };
}

const say = (line: string): void => void process.stdout.write(line + '\n');

async function main(): Promise<void> {
  const opts = args();
  const t0 = performance.now();
  const results: Results = {
    startedAt: new Date().toISOString(),
    seconds: 0,
    machine: { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, memoryGiB: Math.round(totalmem() / 2 ** 30), freeGiB: Math.round(freemem() / 2 ** 30), node: process.version },
    load: { start: loadavg().map((x) => Math.round(x * 100) / 100), end: [] },
    targets: {},
    scenarios: {},
  };
  say(`switchboard bench: ${results.machine.cores} cores, load ${results.load.start.join(' ')}`);

  const profileArgs = opts.profile ? ['--cpu-prof', `--cpu-prof-dir=${opts.profile}`] : [];
  const wanted: { name: string; kind: RelayKind; adapter: ProtocolAdapter; script?: string }[] = [
    { name: 'bare', kind: 'bare', adapter: bare },
    ...(opts.compare ? [{ name: 'msg-relay (compared)', kind: 'switchboard' as const, adapter: msgRelay, script: opts.compare }] : []),
    { name: 'msg-relay', kind: 'switchboard', adapter: msgRelay },
    { name: 'spacewar', kind: 'switchboard', adapter: spacewar },
  ];
  const targets: Target[] = [];
  for (const w of wanted) {
    const relay = await RelayProcess.start(w.kind, w.kind === 'switchboard' ? profileArgs : [], w.script);
    if (w.kind === 'bare' || relay.ready.protocols.includes(w.adapter.protocol)) {
      targets.push({ name: w.name, adapter: w.adapter, relay });
      results.targets[w.name] = { ran: true };
    } else {
      const reason = `this relay does not speak ${w.adapter.protocol} yet (it speaks ${relay.ready.protocols.join(', ')})`;
      say(`${w.name}: skipped: ${reason}`);
      results.targets[w.name] = { ran: false, reason };
      await relay.stop();
    }
  }

  try {
    for (const s of SCENARIOS) {
      if (opts.only && !opts.only.has(s.id)) continue;
      const entry: Results['scenarios'][string] = { title: s.title, figures: {}, errors: {} };
      results.scenarios[s.id] = entry;
      for (const t of targets) {
        if (t.name === 'bare' && !s.bare) continue;
        if (performance.now() - t0 > BUDGET_MS) {
          entry.errors[t.name] = 'not run: over the time budget';
          continue;
        }
        try {
          const figures = await s.run(t, `${s.id}-${t.name}`, results);
          entry.figures[t.name] = figures;
          say(`${s.title} | ${t.name} | ${Object.entries(figures).map(([k, v]) => `${k} ${v}`).join(', ')}`);
        } catch (err) {
          entry.errors[t.name] = (err as Error).message;
          say(`${s.title} | ${t.name} | failed: ${(err as Error).message}`);
        }
      }
    }
  } finally {
    await Promise.all(targets.map((t) => t.relay.stop()));
  }
  if (!opts.only || opts.only.has('cluster')) await benchCluster(results, say, opts.clusterIdle);
  if (!opts.only || opts.only.has('meta-filter')) {
    results.metaFilter = benchMetaFilter();
    for (const m of results.metaFilter) say(`meta_filter ${m.pattern} | ${m.nameBytes} B | median ${m.medianUs} us, max ${m.maxUs} us over ${m.runs} runs`);
  }

  results.load.end = loadavg().map((x) => Math.round(x * 100) / 100);
  results.seconds = Math.round((performance.now() - t0) / 1000);
  mkdirSync(opts.out, { recursive: true });
  const markdown = renderMarkdown(results);
  writeFileSync(resolve(opts.out, 'results.json'), JSON.stringify(results, null, 2) + '\n');
  writeFileSync(resolve(opts.out, 'results.md'), markdown);
  say('\n' + markdown);
  say(`results in ${opts.out}/results.{json,md}`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
