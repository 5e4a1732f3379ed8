import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { rm } from 'node:fs/promises';
import { BenchClient, closeAll, consoleCall, ConsoleWatcher, connectMany, Latencies, parsePayload, payload, pool, round, sleep, type RelayProcess } from './load.js';
import type { ProtocolAdapter } from './protocols.js';

/** One protocol on one relay process, or on two nodes of a cluster. */
export interface Target {
  name: string;
  adapter: ProtocolAdapter;
  relay: RelayProcess;
  /** A second node: unicast receivers are on it, and half of a fan-out's room. */
  others?: RelayProcess;
  /** CPU of every server process together (nodes and their broker), when there are several. */
  cpu?: () => Promise<number>;
}

export type Figures = Record<string, number>;

const PAIRS = 10;
/** Messages in flight per unicast pair when saturating. */
const UNICAST_WINDOW = 64;
/** Broadcasts in flight when saturating a fan-out. */
const FANOUT_WINDOW = 8;
const WARMUP_MS = 500;
/** The most a paced sender catches up in one tick after a stall. */
const MAX_BURST_MS = 5;
/** How long to wait for messages still in flight once sending stops. */
const DRAIN_MS = 3000;

async function drain(done: () => boolean): Promise<void> {
  const deadline = performance.now() + DRAIN_MS;
  while (!done() && performance.now() < deadline) await sleep(10);
}

interface Window {
  seconds: number;
  /** CPU the relay used in the window, in microseconds (every server process's, in a cluster). */
  relayCpu: number;
  /** The 99th percentile of the relay's event-loop delay in the window: its own share of latency. */
  relayLagP99: number;
  /** The same for the load generator, whose clients' delays are in every latency too. */
  loadLagP99: number;
  /** The relay's garbage-collection pauses in the window: their total and the longest, in ms. */
  relayGcMs: number;
  relayGcMaxMs: number;
}

/** Warms up, then measures for `durationMs`; `measuring` tells delivery handlers when to count. */
async function measure(t: Target, durationMs: number, measuring: (on: boolean) => void): Promise<Window> {
  await sleep(WARMUP_MS);
  const cpuStart = await t.cpu?.();
  const start = await t.relay.usage();
  const lag = monitorEventLoopDelay({ resolution: 1 });
  lag.enable();
  measuring(true);
  const t0 = performance.now();
  await sleep(durationMs);
  measuring(false);
  lag.disable();
  const seconds = (performance.now() - t0) / 1000;
  const end = await t.relay.usage();
  const cpuEnd = await t.cpu?.();
  const relayCpu = cpuStart !== undefined && cpuEnd !== undefined ? cpuEnd - cpuStart : end.cpuMicros - start.cpuMicros;
  return { seconds, relayCpu, relayLagP99: end.lagP99Ms, loadLagP99: lag.percentile(99) / 1e6, relayGcMs: end.gcMs, relayGcMaxMs: end.gcMaxMs };
}

/** The relay's CPU per message, which other load on the machine disturbs less than a rate. */
const cpuFigures = (w: Window, messages: number): Figures => ({
  relayCpuPct: round((w.relayCpu / 1e6 / w.seconds) * 100),
  relayCpuUsPerMsg: round(w.relayCpu / Math.max(1, messages), 2),
  relayLagP99Ms: round(w.relayLagP99, 2),
  loadLagP99Ms: round(w.loadLagP99, 2),
  relayGcPct: round((w.relayGcMs / 1000 / w.seconds) * 100, 1),
  relayGcMaxMs: round(w.relayGcMaxMs, 2),
});

export interface UnicastOptions {
  size: number;
  durationMs: number;
  /** Messages per second across all pairs; without it each pair keeps a window in flight. */
  rate?: number;
}

/** Ten sender -> receiver pairs in one room. */
export async function unicast(t: Target, room: string, o: UnicastOptions): Promise<Figures> {
  const receivers: BenchClient[] = [];
  const senders: BenchClient[] = [];
  let ticker: NodeJS.Timeout | undefined;
  try {
    await connectMany(t.adapter, (t.others ?? t.relay).port, PAIRS, () => room, receivers);
    await connectMany(t.adapter, t.relay.port, PAIRS, () => room, senders);
    const lat = new Latencies();
    let sent = 0;
    let delivered = 0;
    let counted = 0;
    let sending = true;
    let measuring = false;
    const sendFrom = (i: number): void => senders[i]!.send(t.adapter.unicast(receivers[i]!.id, payload(sent++, o.size)));
    receivers.forEach((r, i) => {
      r.onPayload = (p, at) => {
        delivered++;
        if (measuring) {
          counted++;
          lat.add(parsePayload(p, at).latencyMs);
        }
        if (sending && o.rate === undefined) sendFrom(i);
      };
    });
    if (o.rate !== undefined) {
      const perMs = o.rate / 1000;
      let last = performance.now();
      let owed = 0;
      // Each tick sends what the rate owes since the last; a stalled load generator drops what it
      // owes past MAX_BURST_MS rather than firing it in one burst that would measure itself.
      ticker = setInterval(() => {
        const now = performance.now();
        owed = Math.min(owed + perMs * (now - last), perMs * MAX_BURST_MS);
        last = now;
        for (; owed >= 1; owed--) sendFrom(sent % PAIRS);
      }, 1);
    } else for (let i = 0; i < PAIRS; i++) for (let k = 0; k < UNICAST_WINDOW; k++) sendFrom(i);
    const w = await measure(t, o.durationMs, (on) => (measuring = on));
    sending = false;
    clearInterval(ticker);
    await drain(() => delivered >= sent);
    return { msgsPerSec: round(counted / w.seconds), ...lat.summary(), sent, losses: sent - delivered, ...cpuFigures(w, counted) };
  } finally {
    clearInterval(ticker);
    await closeAll([...senders, ...receivers]);
  }
}

/** One sender to every other member of a room, a window of broadcasts in flight. */
export async function fanout(t: Target, room: string, size: number, durationMs: number): Promise<Figures> {
  const clients: BenchClient[] = [];
  try {
    const half = t.others ? Math.floor(size / 2) : size;
    await connectMany(t.adapter, t.relay.port, half, () => room, clients);
    if (t.others) await connectMany(t.adapter, t.others.port, size - half, () => room, clients);
    const receivers = clients.slice();
    const sender = await BenchClient.connect(t.adapter, t.relay.port, room);
    clients.push(sender);
    const lat = new Latencies();
    const pending = new Map<number, number>();
    let seq = 0;
    let delivered = 0;
    let counted = 0;
    let sending = true;
    let measuring = false;
    const broadcast = (): void => {
      pending.set(seq, 0);
      sender.send(t.adapter.broadcast(payload(seq++, 32)));
    };
    for (const r of receivers) {
      r.onPayload = (p, at) => {
        const { seq: s, latencyMs } = parsePayload(p, at);
        delivered++;
        if (measuring) {
          counted++;
          lat.add(latencyMs);
        }
        const got = (pending.get(s) ?? 0) + 1;
        if (got < size) pending.set(s, got);
        else {
          pending.delete(s);
          if (sending) broadcast();
        }
      };
    }
    for (let k = 0; k < FANOUT_WINDOW; k++) broadcast();
    const w = await measure(t, durationMs, (on) => (measuring = on));
    sending = false;
    await drain(() => delivered >= seq * size);
    const { p50, p99 } = lat.summary();
    return { deliveriesPerSec: round(counted / w.seconds), p50, p99, broadcasts: seq, losses: seq * size - delivered, ...cpuFigures(w, counted) };
  } finally {
    await closeAll(clients);
  }
}

/** Connect, wait for the greeting, close: `cycles` times, `concurrency` at once, each in its own room. */
export async function churn(t: Target, room: string, cycles: number, concurrency: number, deadlineMs: number): Promise<Figures> {
  const t0 = performance.now();
  let failures = 0;
  let firstError: string | undefined;
  await pool(cycles, concurrency, async (i) => {
    if (performance.now() - t0 > deadlineMs) {
      failures++;
      return;
    }
    try {
      const c = await BenchClient.connect(t.adapter, t.relay.port, `${room}-${i}`, 5000);
      await c.close();
    } catch (err) {
      failures++;
      firstError ??= (err as Error).message;
    }
  });
  if (firstError) process.stdout.write(`  churn ${t.name}: ${failures} failed, first: ${firstError}\n`);
  return { connsPerSec: round((cycles - failures) / ((performance.now() - t0) / 1000)), failures };
}

/** `count` connections greeted and left idle, in rooms of ten: the relay's memory per connection. */
export async function idle(t: Target, room: string, count: number): Promise<Figures> {
  const before = await t.relay.memory();
  const clients: BenchClient[] = [];
  let failures = 0;
  try {
    await pool(count, 100, async (i) => {
      try {
        clients.push(await BenchClient.connect(t.adapter, t.relay.port, `${room}-${Math.floor(i / 10)}`));
      } catch {
        failures++;
      }
    });
    await sleep(1000);
    const after = await t.relay.memory();
    const perConn = (bytes: number): number => round(bytes / Math.max(1, clients.length) / 1024, 2);
    return {
      connections: clients.length,
      failures,
      rssKiBPerConn: perConn(after.rss - before.rss),
      heapKiBPerConn: perConn(after.heapUsed + after.external - before.heapUsed - before.external),
    };
  } finally {
    await closeAll(clients);
  }
}

/**
 * Unicast with a console subscribed to all traffic over the real console API, against runs with
 * none: none, subscribed, subscribed, none, so a drift in the machine's load hits both alike.
 * The relay's CPU per delivery is the steadier measure of the same cost.
 */
export async function consoleCost(t: Target, room: string, durationMs: number): Promise<Figures> {
  const run = (suffix: string): Promise<Figures> => unicast(t, `${room}-${suffix}`, { size: 32, durationMs });
  const subscribed = async (suffix: string): Promise<Figures & { records: number; skipped: number }> => {
    const watcher = await ConsoleWatcher.subscribe(t.relay);
    try {
      const f = await run(suffix);
      return { ...f, records: watcher.records, skipped: watcher.skipped };
    } finally {
      await watcher.close();
    }
  };
  const none = [await run('a')];
  const subs = [await subscribed('b'), await subscribed('c')];
  none.push(await run('d'));
  const mean = (fs: Figures[], key: string): number => fs.reduce((sum, f) => sum + f[key]!, 0) / fs.length;
  const cost = (key: string, sign: 1 | -1): number => round(sign * (1 - mean(subs, key) / mean(none, key)) * 100, 1);
  const records = subs.reduce((n, f) => n + f.records, 0);
  const skipped = subs.reduce((n, f) => n + f.skipped, 0);
  return {
    noneMsgsPerSec: round(mean(none, 'msgsPerSec')),
    subscribedMsgsPerSec: round(mean(subs, 'msgsPerSec')),
    costPct: cost('msgsPerSec', 1),
    noneCpuUsPerMsg: round(mean(none, 'relayCpuUsPerMsg'), 2),
    subscribedCpuUsPerMsg: round(mean(subs, 'relayCpuUsPerMsg'), 2),
    cpuCostPct: cost('relayCpuUsPerMsg', -1),
    consoleRecords: records,
    consoleSkippedPct: round((skipped / Math.max(1, records + skipped)) * 100, 1),
  };
}

/** The rate the capture's cost is measured at (issue 17: at most 10% more relay CPU per message). */
export const CAPTURE_RATE = 5000;

/**
 * Unicast at CAPTURE_RATE with a capture recording (started and stopped over the console API, as
 * an operator would) against runs with none, interleaved. The
 * relay's CPU per message is the figure; the capture files are deleted afterwards.
 */
export async function captureCost(t: Target, room: string, durationMs: number): Promise<Figures> {
  const run = (suffix: string): Promise<Figures> => unicast(t, `${room}-${suffix}`, { size: 32, durationMs, rate: CAPTURE_RATE });
  let records = 0;
  let bytes = 0;
  let stoppedEarly = 0;
  const captured = async (suffix: string): Promise<Figures> => {
    await consoleCall(t.relay, 'startCapture', {});
    try {
      return await run(suffix);
    } finally {
      const end = await consoleCall<{ file: string; records: number; bytes: number; reason?: string } | null>(t.relay, 'stopCapture', {});
      if (end) {
        records += end.records;
        bytes += end.bytes;
        if (end.reason !== 'stopped by the operator') stoppedEarly++;
        await rm(end.file, { force: true });
      } else stoppedEarly++;
    }
  };
  // none, captured, captured, none, none, captured: a drift in the machine's load hits both alike.
  const none = [await run('a')];
  const caps = [await captured('b'), await captured('c')];
  none.push(await run('d'), await run('e'));
  caps.push(await captured('f'));
  const mean = (fs: Figures[], key: string): number => fs.reduce((sum, f) => sum + f[key]!, 0) / fs.length;
  return {
    rate: CAPTURE_RATE,
    uncapturedMsgsPerSec: round(mean(none, 'msgsPerSec')),
    capturedMsgsPerSec: round(mean(caps, 'msgsPerSec')),
    uncapturedCpuUsPerMsg: round(mean(none, 'relayCpuUsPerMsg'), 2),
    capturedCpuUsPerMsg: round(mean(caps, 'relayCpuUsPerMsg'), 2),
    captureCpuCostPct: round((mean(caps, 'relayCpuUsPerMsg') / mean(none, 'relayCpuUsPerMsg') - 1) * 100, 1),
    uncapturedP99Ms: round(mean(none, 'p99'), 2),
    capturedP99Ms: round(mean(caps, 'p99'), 2),
    captureRecords: records,
    captureMiB: round(bytes / 2 ** 20, 1),
    capturesStoppedEarly: stoppedEarly,
    losses: [...none, ...caps].reduce((n, f) => n + f.losses!, 0),
  };
}
