/**
 * How the browser console behaves at scale (a script, not a test): a relay in its own process
 * with 10,000 idle msg-relay peers and a steady flow of messages, the console open in Debian's
 * Chromium on each busy view in turn. Reports long tasks and frame rate from the page's own
 * performance API, and the rates the relay reported.
 *
 *   npm run bench:console [-- --peers 10000 --rate 5000 --seconds 20 --profile]
 *
 * --profile saves a CPU profile of the page per view under test-results/ (open it in
 * Chromium's DevTools). The figures go to test/bench/results/console-scale.md.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { createInterface } from 'node:readline';
import WebSocket from 'ws';
import { launchChromium } from '../helpers/browser.js';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const PEERS = arg('peers', 10_000);
const RATE = arg('rate', 5000);
const SECONDS = arg('seconds', 20);
const PROFILE = process.argv.includes('--profile');
const GROUPS = 100;
const SENDERS = 50;
const CONNECT_BATCH = 250;
const STARTUP_MS = 20_000;

async function startRelayProcess(): Promise<{ consoleUrl: string; wsUrl: string; stop(): void }> {
  const child = spawn(process.execPath, [
    'dist/relay/cli.js', 'serve', '--port', '0', '--msg-relay-ping-after-seconds', '3600', '--msg-relay-close-after-seconds', '7200',
    // Every peer comes from 127.0.0.1: lift the per-address and total limits above the peer count.
    '--max-connections', String(2 * PEERS), '--max-connections-per-address', String(2 * PEERS),
  ], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout! });
  const consoleUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the relay did not print its console URL')), STARTUP_MS);
    lines.on('line', (line) => {
      const m = /^switchboard: console (\S+)$/.exec(line);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
  });
  const { port } = new URL(consoleUrl);
  return { consoleUrl, wsUrl: `ws://127.0.0.1:${port}`, stop: () => child.kill('SIGTERM') };
}

interface Peer {
  ws: WebSocket;
  id: string;
  group: number;
}

function connect(url: string, group: number, i: number): Promise<Peer> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url}/msg-relay?group=g${group}&meta=peer-${i}`, { perMessageDeflate: false });
    const timer = setTimeout(() => reject(new Error('connect timed out')), STARTUP_MS);
    ws.on('message', (data: Buffer) => {
      const m = JSON.parse(data.toString()) as { message_type?: string; connection_id?: string };
      if (m.message_type === 'connection_id') {
        clearTimeout(timer);
        resolve({ ws, id: m.connection_id!, group });
      }
    });
    ws.on('error', reject);
  });
}

/** Installed before the console loads: long tasks and frames, read back per phase. */
const PROBE = `
  window.__bench = { longTasks: [], frames: [] };
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) window.__bench.longTasks.push({ start: e.startTime, duration: e.duration });
  }).observe({ type: 'longtask', buffered: true });
  const frame = (t) => { window.__bench.frames.push(t); requestAnimationFrame(frame); };
  requestAnimationFrame(frame);
`;

interface Phase {
  view: string;
  fps: number;
  worstSecondFps: number;
  longTasks: number;
  longTaskMs: number;
  worstLongTaskMs: number;
}

/** What the relay's tap holds, from a stats tick of the console API. */
function tapHeld(consoleUrl: string): Promise<{ records: number; bytes: number; budgetBytes: number }> {
  const url = new URL(consoleUrl);
  const token = url.hash.replace(/^#token=/, '');
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://${url.host}/console/api?token=${token}`, { perMessageDeflate: false });
    const timer = setTimeout(() => reject(new Error('no stats from the console API')), STARTUP_MS);
    ws.on('message', (data: Buffer) => {
      const frame = JSON.parse(data.toString()) as { event?: { type: string; stats?: { tap?: { records: number; bytes: number; budgetBytes: number } } } };
      const tap = frame.event?.type === 'stats' ? frame.event.stats?.tap : undefined;
      if (!tap) return;
      clearTimeout(timer);
      ws.close();
      resolve(tap);
    });
    ws.on('error', reject);
  });
}

async function main(): Promise<void> {
  const relay = await startRelayProcess();
  const peers: Peer[] = [];
  const t0 = Date.now();
  for (let i = 0; i < PEERS; i += CONNECT_BATCH) {
    const batch = Array.from({ length: Math.min(CONNECT_BATCH, PEERS - i) }, (_, j) => connect(relay.wsUrl, (i + j) % GROUPS, i + j));
    peers.push(...(await Promise.all(batch)));
  }
  const connectMs = Date.now() - t0;
  console.log(`${peers.length} peers connected in ${(connectMs / 1000).toFixed(1)} s`);

  // A steady flow: senders take turns messaging a peer of their own group, RATE messages a second.
  const byGroup = new Map<number, Peer[]>();
  for (const p of peers) {
    const list = byGroup.get(p.group);
    if (list) list.push(p);
    else byGroup.set(p.group, [p]);
  }
  const senders = peers.slice(0, SENDERS);
  let sent = 0;
  const TICK_MS = 20;
  const loadAtStart = loadavg();
  const flowStart = Date.now();
  // Each tick sends what is due by the clock, so a late timer does not lower the rate.
  const flow = setInterval(() => {
    const due = Math.floor(((Date.now() - flowStart) * RATE) / 1000) - sent;
    for (let k = 0; k < due; k++) {
      const from = senders[sent % SENDERS]!;
      const group = byGroup.get(from.group)!;
      const to = group[(sent * 7) % group.length]!;
      from.ws.send(JSON.stringify({ to: to.id, seq: sent, text: `steady flow message ${sent}` }));
      sent++;
    }
  }, TICK_MS);

  const browser = await launchChromium();
  const page = await browser.context.newPage();
  await page.addInitScript(PROBE);
  await page.goto(relay.consoleUrl);
  await page.getByRole('status', { name: 'connection open' }).waitFor({ timeout: STARTUP_MS });

  const cdp = await browser.context.newCDPSession(page);
  if (PROFILE) await cdp.send('Profiler.enable');
  mkdirSync('test-results/screenshots', { recursive: true });
  const phases: Phase[] = [];
  const relayRates: string[] = [];
  for (const view of ['Overview', 'Traffic', 'Peers', 'Rooms', 'Flow']) {
    await page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: view, exact: true }).click();
    // The flow of the first room: the busiest, as the relay lists rooms by members.
    if (view === 'Flow') await page.getByRole('combobox', { name: 'Room to draw' }).selectOption({ index: 1 });
    if (PROFILE) await cdp.send('Profiler.start');
    const start = (await page.evaluate('performance.now()')) as number;
    if (view === 'Peers') {
      // Scroll through the table while it refreshes.
      for (let s = 0; s < SECONDS * 4; s++) {
        await page.mouse.move(500, 400);
        await page.mouse.wheel(0, 1200);
        await page.waitForTimeout(250);
      }
    } else {
      await page.waitForTimeout(SECONDS * 1000);
    }
    if (PROFILE) {
      const { profile } = await cdp.send('Profiler.stop');
      writeFileSync(`test-results/console-${view.toLowerCase()}.cpuprofile`, JSON.stringify(profile));
    }
    const data = (await page.evaluate(`(() => {
      const b = window.__bench;
      return { frames: b.frames.filter((t) => t >= ${start}), longTasks: b.longTasks.filter((t) => t.start >= ${start}), now: performance.now() };
    })()`)) as { frames: number[]; longTasks: { duration: number }[]; now: number };
    const seconds = (data.now - start) / 1000;
    const perSecond = new Map<number, number>();
    for (const t of data.frames) perSecond.set(Math.floor((t - start) / 1000), (perSecond.get(Math.floor((t - start) / 1000)) ?? 0) + 1);
    const full = [...perSecond].filter(([s]) => s < Math.floor(seconds)).map(([, n]) => n);
    phases.push({
      view,
      fps: Math.round((data.frames.length / seconds) * 10) / 10,
      worstSecondFps: full.length ? Math.min(...full) : 0,
      longTasks: data.longTasks.length,
      longTaskMs: Math.round(data.longTasks.reduce((a, t) => a + t.duration, 0)),
      worstLongTaskMs: Math.round(Math.max(0, ...data.longTasks.map((t) => t.duration))),
    });
    await page.screenshot({ path: `test-results/screenshots/scale-${view.toLowerCase()}.png` });
    relayRates.push(`${view}: ${await page.locator('.topstats').innerText()}`.replace(/\s+/g, ' '));
  }
  const heapMb = (await page.evaluate('performance.memory ? performance.memory.usedJSHeapSize / 1048576 : 0')) as number;
  const tap = await tapHeld(relay.consoleUrl);

  clearInterval(flow);
  console.log(`flow: ${sent} messages sent by ${SENDERS} peers at a target of ${RATE}/s`);
  console.log('relay as the console showed it:');
  for (const r of relayRates) console.log(`  ${r}`);
  console.table(phases);
  console.log(`page JS heap at the end: ${heapMb.toFixed(1)} MiB`);
  console.log(`relay tap: ${tap.records} records, ${(tap.bytes / 1048576).toFixed(1)} MiB of frames held of a ${(tap.budgetBytes / 1048576).toFixed(0)} MiB budget`);

  writeFileSync('test/bench/results/console-scale.md', report({
    phases, relayRates, heapMb, tap, offered: Math.round(sent / ((Date.now() - flowStart) / 1000)), connectS: connectMs / 1000, load: [loadAtStart, loadavg()],
  }));
  console.log('results in test/bench/results/console-scale.md');

  await browser.close();
  for (const p of peers) p.ws.terminate();
  relay.stop();
}

interface Report {
  phases: Phase[];
  relayRates: string[];
  heapMb: number;
  tap: { records: number; bytes: number; budgetBytes: number };
  offered: number;
  connectS: number;
  load: [number[], number[]];
}

const GOALS = 'at least 50 fps, no long task over 100 ms';

function report(r: Report): string {
  const load = (l: number[]) => l.map((x) => x.toFixed(2)).join(' ');
  const met = r.phases.every((p) => p.fps >= 50 && p.worstLongTaskMs <= 100);
  return [
    '# npm run bench:console',
    '',
    `${new Date().toISOString()}, ${cpus().length} cores, Node ${process.version}. Load average (1, 5, 15 min): ${load(r.load[0])} at the start, ${load(r.load[1])} at the end.`,
    '',
    `${PEERS.toLocaleString('en')} idle msg-relay peers in ${GROUPS} groups (connected in ${r.connectS.toFixed(1)} s), ${SENDERS} senders offering ${r.offered.toLocaleString('en')} msg/s (target ${RATE.toLocaleString('en')}), and the browser console (Debian's Chromium, headless) on each view for ${SECONDS} s in turn, the Flow view drawing the busiest room. Frame rate and long tasks come from the page's own performance API, the heap from \`performance.memory\`, the tap from the console API's stats.`,
    '',
    '| view | fps | worst second fps | long tasks | long-task ms | worst long task ms | the relay as the console showed it |',
    '|---|---:|---:|---:|---:|---:|---|',
    ...r.phases.map((p, i) => `| ${p.view} | ${p.fps} | ${p.worstSecondFps} | ${p.longTasks} | ${p.longTaskMs} | ${p.worstLongTaskMs} | ${r.relayRates[i]!.replace(/^[^:]*: /, '')} |`),
    '',
    `- Page JS heap at the end: ${r.heapMb.toFixed(1)} MiB.`,
    `- Relay tap: ${r.tap.records.toLocaleString('en')} records, ${(r.tap.bytes / 1048576).toFixed(1)} MiB of frames held of its ${(r.tap.budgetBytes / 1048576).toFixed(0)} MiB budget.`,
    `- Goals (${GOALS}): ${met ? 'met on every view' : 'NOT met on every view'} in this run.`,
    '',
  ].join('\n');
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
