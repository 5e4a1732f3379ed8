/**
 * Soak: hours-long mixed traffic with churn against a relay in its own process, reporting the
 * relay's memory over time and the messages lost between peers that stay connected.
 *
 *   npm run soak -- --minutes 30 [--stable 8] [--rate 5] [--churn 5] [--report-seconds 30]
 *
 * Per protocol of the fuzz table (test/fuzz/protocols.ts), `--stable` peers in each of two
 * rooms stay for the whole run and each send `--rate` messages a second to their room; every
 * one must reach every stable peer of the room it reaches (intercessor: the server and each
 * client; compendium: the peers it ROUTEs to; channelstream: published over REST). Meanwhile `--churn` short-lived peers a
 * second come and go: some talk, some send junk and are closed, some vanish without a close.
 * Exits 1 if any stable peer lost a message or the relay died.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { FUZZ_PROTOCOLS, sendTag, type FuzzPeer, type FuzzProtocol, type FuzzSession } from '../fuzz/protocols.js';

const { values: args } = parseArgs({
  options: {
    minutes: { type: 'string', default: '30' },
    stable: { type: 'string', default: '8' },
    rate: { type: 'string', default: '5' },
    churn: { type: 'string', default: '5' },
    'report-seconds': { type: 'string', default: '30' },
  },
});
const MINUTES = Number(args.minutes);
const STABLE = Number(args.stable);
const RATE = Number(args.rate);
const CHURN = Number(args.churn);
const REPORT_MS = Number(args['report-seconds']) * 1000;
const ROOMS = ['soak-a', 'soak-b'];
/** After the traffic stops, how long stragglers may take to arrive. */
const SETTLE_MS = 3000;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Stable {
  proto: FuzzProtocol;
  session: FuzzSession;
  peer: FuzzPeer;
  name: string;
  sent: number;
  /** Highest seq received from each other stable peer, and how many. */
  got: Map<string, number>;
  foreign: number;
}

async function startRelay(): Promise<{ url: string; base: string; stop(): Promise<void>; exited: () => boolean }> {
  const cli = fileURLToPath(new URL('../../relay/cli.js', import.meta.url));
  const child = spawn(process.execPath, [cli, 'serve', '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let exited = false;
  const gone = new Promise<void>((resolve) => child.on('exit', () => ((exited = true), resolve())));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`the relay did not start: ${out}`)), 15_000);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /on (ws:\/\/127\.0\.0\.1:\d+)\//.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
  });
  return {
    url,
    base: url.replace('ws://', 'http://'),
    exited: () => exited,
    stop: async () => {
      child.kill('SIGTERM');
      await Promise.race([gone, sleep(5000)]);
    },
  };
}

async function metrics(base: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const m = /^(\w+)(?:\{[^}]*\})? (\d+(?:\.\d+)?)$/.exec(line);
    if (m) out[m[1]!] = (out[m[1]!] ?? 0) + Number(m[2]);
  }
  return out;
}

async function openStable(sessions: Map<FuzzProtocol, FuzzSession>): Promise<Stable[]> {
  const all: Stable[] = [];
  for (const [proto, session] of sessions)
    for (const room of ROOMS)
      for (let i = 0; i < STABLE; i++) all.push({ proto, session, peer: await session.open(room), name: `${proto.name}/${room}/${i}`, sent: 0, got: new Map(), foreign: 0 });
  return all;
}

/** The stable peers of one protocol, as its session addresses them. */
const membersOf = (stable: Stable[], proto: FuzzProtocol): FuzzPeer[] => stable.filter((s) => s.proto === proto).map((s) => s.peer);

/** Reads what each stable peer has received so far (the client queues frames until drained). */
async function absorb(stable: Stable[]): Promise<void> {
  for (const s of stable)
    for (const f of await s.peer.c.drain(0)) {
      const tag = s.session.tagOf(f);
      if (!tag) continue;
      const [kind, room, from] = tag.split(':');
      if (room !== s.peer.room) s.foreign++;
      else if (kind === 'soak') s.got.set(from!, (s.got.get(from!) ?? 0) + 1);
    }
}

/** One short-lived peer: it talks, sends junk, or vanishes, then leaves. */
async function churnOnce(sessions: Map<FuzzProtocol, FuzzSession>, stable: Stable[], n: number): Promise<void> {
  const proto = FUZZ_PROTOCOLS[n % FUZZ_PROTOCOLS.length]!;
  const session = sessions.get(proto)!;
  const room = ROOMS[Math.floor(n / FUZZ_PROTOCOLS.length) % ROOMS.length]!;
  let peer: FuzzPeer;
  try {
    peer = await session.open(room);
  } catch {
    return;
  }
  const c = peer.c;
  c.ws.on('error', () => undefined);
  const kind = n % 4;
  for (let i = 0; i < 1 + (n % 5); i++) await sendTag(session, room, peer, membersOf(stable, proto), `churn:${room}:${n}:${i}`, (f) => c.send(f)).catch(() => undefined);
  if (kind === 1) c.send('{"this is": not json');
  await sleep(100 + (n % 20) * 100);
  if (kind === 2) c.ws.terminate();
  else await Promise.race([c.close(), sleep(2000)]);
  c.ws.terminate();
}

/** Whether `s` is to receive what stable peer `o` sends. */
const hears = (s: Stable, o: Stable): boolean => o.proto === s.proto && o.peer.room === s.peer.room && s.session.reaches(o.peer, s.peer);

async function main(): Promise<void> {
  const relay = await startRelay();
  const sessions = new Map(FUZZ_PROTOCOLS.map((p) => [p, p.session(relay)]));
  const stable = await openStable(sessions);
  const started = Date.now();
  const end = started + MINUTES * 60_000;
  const samples: { t: number; rss: number; heap: number }[] = [];
  let churned = 0;
  const churning = new Set<Promise<void>>();
  console.log(`soak: ${MINUTES} min, ${stable.length} stable peers (${FUZZ_PROTOCOLS.map((p) => p.name).join(', ')}), ${RATE}/s each, ${CHURN} churn peers/s`);
  console.log('   min   rss MB  heap MB   peers    msgs in   msgs out  churned');

  const report = async (): Promise<void> => {
    const m = await metrics(relay.base);
    const sample = { t: (Date.now() - started) / 60_000, rss: m.process_resident_memory_bytes! / 2 ** 20, heap: m.nodejs_heap_size_used_bytes! / 2 ** 20 };
    samples.push(sample);
    console.log(
      `${sample.t.toFixed(1).padStart(6)} ${sample.rss.toFixed(1).padStart(8)} ${sample.heap.toFixed(1).padStart(8)} ${String(m.switchboard_connections).padStart(7)} ` +
        `${String(m.switchboard_messages_in_total).padStart(10)} ${String(m.switchboard_messages_out_total).padStart(10)} ${String(churned).padStart(8)}`,
    );
  };
  await report();
  let nextReport = Date.now() + REPORT_MS;
  const tickMs = 100;
  let churnDebt = 0;
  let lastTick = Date.now();
  const failedSends: string[] = [];
  while (Date.now() < end && !relay.exited()) {
    // Rates follow the clock, however long a tick's sends and reads took.
    const elapsed = Date.now() - lastTick;
    lastTick += elapsed;
    const sends: Promise<void>[] = [];
    for (const s of stable) {
      // Each peer sends RATE a second on average.
      for (let due = (RATE * elapsed) / 1000; due > 0; due--)
        if (Math.random() < due)
          sends.push(
            sendTag(s.session, s.peer.room, s.peer, membersOf(stable, s.proto), `soak:${s.peer.room}:${s.name}:${s.sent++}`, (f) => s.peer.c.send(f)).catch((err: Error) => {
              // A send the relay never took (a REST publish whose connection failed) is not a loss: count it apart.
              s.sent--;
              failedSends.push(`${s.name}: ${err.message} (${String((err.cause as Error | undefined)?.message ?? '')})`);
            }),
          );
    }
    await Promise.all(sends);
    churnDebt += (CHURN * elapsed) / 1000;
    for (; churnDebt >= 1; churnDebt--) {
      const p = churnOnce(sessions, stable, churned++).finally(() => churning.delete(p));
      churning.add(p);
    }
    await absorb(stable);
    if (Date.now() >= nextReport) {
      await report();
      nextReport += REPORT_MS;
    }
    await sleep(tickMs);
  }
  await Promise.all(churning);
  await sleep(SETTLE_MS);
  await absorb(stable);
  const died = relay.exited();
  if (!died) await report();

  let lost = 0;
  let foreign = 0;
  for (const s of stable) {
    foreign += s.foreign;
    for (const o of stable) if (hears(s, o)) lost += o.sent - (s.got.get(o.name) ?? 0);
  }
  const sent = stable.reduce((n, s) => n + s.sent, 0);
  const expected = stable.reduce((n, s) => n + s.sent * stable.filter((o) => hears(o, s)).length, 0);
  const first = samples[1] ?? samples[0]!;
  const last = samples.at(-1)!;
  const maxRss = Math.max(...samples.map((s) => s.rss));
  console.log(
    `\nsoak result: ${died ? 'THE RELAY DIED' : 'the relay stayed up'}; stable peers sent ${sent} messages, ${expected} deliveries expected, ` +
      `${lost} lost, ${foreign} from another room; ${churned} churn peers; rss ${first.rss.toFixed(1)} -> ${last.rss.toFixed(1)} MB (max ${maxRss.toFixed(1)}), ` +
      `heap ${first.heap.toFixed(1)} -> ${last.heap.toFixed(1)} MB; ${failedSends.length} sends failed before the relay took them`,
  );
  for (const f of failedSends.slice(0, 10)) console.log(`  failed send: ${f}`);
  for (const s of stable) s.peer.c.ws.terminate();
  await relay.stop();
  process.exit(died || lost !== 0 || foreign !== 0 ? 1 : 0);
}

void main();
