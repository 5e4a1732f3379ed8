import { fork, type ChildProcess } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import type { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import type { ProtocolAdapter } from './protocols.js';
import type { Command, Memory, Ready, RelayKind, Usage } from './relay-process.js';

/** What the load generator needs from the pieces it drives: every wait here has a deadline. */

export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, expired]).finally(() => clearTimeout(timer));
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

// ---- the relay process

export class RelayProcess {
  private constructor(
    readonly kind: RelayKind,
    private readonly child: ChildProcess,
    readonly ready: Ready,
  ) {}

  /** `script` is relay-process.js of this build, or of another build to compare with. */
  /** `env` adds SWITCHBOARD_* settings (a cluster node's). */
  static async start(kind: RelayKind, execArgv: string[] = [], script = fileURLToPath(new URL('./relay-process.js', import.meta.url)), env: NodeJS.ProcessEnv = {}): Promise<RelayProcess> {
    const child = fork(script, [kind], { execArgv: ['--expose-gc', ...execArgv], stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env: { ...process.env, ...env } });
    const ready = await withTimeout(
      new Promise<Ready>((resolve, reject) => {
        child.once('message', (m) => resolve(m as Ready));
        child.once('exit', (code) => reject(new Error(`the ${kind} relay exited with ${code}`)));
      }),
      10_000,
      `starting the ${kind} relay`,
    );
    return new RelayProcess(kind, child, ready);
  }

  get port(): number {
    return this.ready.port;
  }

  private ask<T>(cmd: Command): Promise<T> {
    return withTimeout(
      new Promise<T>((resolve) => {
        this.child.once('message', (m) => resolve(m as T));
        this.child.send(cmd);
      }),
      10_000,
      `${this.kind} relay ${cmd.cmd}`,
    );
  }

  memory(): Promise<Memory> {
    return this.ask<Memory>({ cmd: 'memory' });
  }

  /** CPU the relay process has used, and how late its event loop ran since the last call. */
  usage(): Promise<Usage> {
    return this.ask<Usage>({ cmd: 'usage' });
  }

  async stop(): Promise<void> {
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    if (this.child.exitCode !== null) return;
    this.child.send({ cmd: 'exit' } satisfies Command);
    await withTimeout(exited, 10_000, `stopping the ${this.kind} relay`).catch(() => this.child.kill('SIGKILL'));
  }
}

// ---- clients

/** Closes cleanly and waits for the socket to be gone, or terminates it. */
function closeSocket(ws: WebSocket, timeoutMs = 5000): Promise<void> {
  if (ws.readyState === WebSocket.CLOSED) return Promise.resolve();
  const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
  ws.close(1000);
  return withTimeout(closed, timeoutMs, 'close').catch(() => ws.terminate());
}

/**
 * A console over the relay's real API (/console/api with its token), subscribed to all traffic
 * with no filter. It parses every batch, as the console UI does, and counts what it got.
 */
export class ConsoleWatcher {
  records = 0;
  skipped = 0;
  batches = 0;
  private constructor(private readonly ws: WebSocket) {}

  static async subscribe(relay: RelayProcess, timeoutMs = 10_000): Promise<ConsoleWatcher> {
    const token = relay.ready.consoleToken;
    if (token === undefined) throw new Error(`the ${relay.kind} relay serves no console`);
    const ws = new WebSocket(`ws://127.0.0.1:${relay.port}/console/api?token=${encodeURIComponent(token)}`, { perMessageDeflate: false });
    const watcher = new ConsoleWatcher(ws);
    const subscribed = new Promise<ConsoleWatcher>((resolve, reject) => {
      ws.on('open', () => ws.send(JSON.stringify({ id: 1, op: 'subscribeTraffic', params: {} })));
      ws.on('message', (data: Buffer) => {
        const frame = JSON.parse(data.toString()) as { id?: number; error?: string; event?: { type: string; records?: unknown[]; skipped?: number } };
        if (frame.id === 1) return frame.error === undefined ? resolve(watcher) : reject(new Error(`subscribeTraffic: ${frame.error}`));
        if (frame.event?.type !== 'traffic') return;
        watcher.batches++;
        watcher.records += frame.event.records!.length;
        watcher.skipped += frame.event.skipped!;
      });
      ws.on('error', reject);
      ws.once('close', (code, reason) => reject(new Error(`the console closed with ${code} ${reason.toString()}`)));
    });
    return withTimeout(subscribed, timeoutMs, 'subscribing a console').catch((err: unknown) => {
      ws.terminate();
      throw err;
    });
  }

  close(): Promise<void> {
    return closeSocket(this.ws);
  }
}

/** One request over the relay's console API (with its token), answered or failed within `timeoutMs`. */
export async function consoleCall<T>(relay: RelayProcess, op: string, params: Record<string, unknown>, timeoutMs = 10_000): Promise<T> {
  const token = relay.ready.consoleToken;
  if (token === undefined) throw new Error(`the ${relay.kind} relay serves no console`);
  const ws = new WebSocket(`ws://127.0.0.1:${relay.port}/console/api?token=${encodeURIComponent(token)}`, { perMessageDeflate: false });
  const answered = new Promise<T>((resolve, reject) => {
    ws.on('open', () => ws.send(JSON.stringify({ id: 1, op, params })));
    ws.on('message', (data: Buffer) => {
      const frame = JSON.parse(data.toString()) as { id?: number; result?: T; error?: string };
      if (frame.id === 1) return frame.error === undefined ? resolve(frame.result as T) : reject(new Error(`${op}: ${frame.error}`));
    });
    ws.on('error', reject);
    ws.once('close', (code, reason) => reject(new Error(`the console closed with ${code} ${reason.toString()}`)));
  });
  try {
    return await withTimeout(answered, timeoutMs, `console ${op}`);
  } finally {
    await closeSocket(ws);
  }
}

/** A real ws client that has been greeted by the relay and knows its own id. */
export class BenchClient {
  /** Called with each payload delivered to this client. */
  onPayload: (payload: string, at: number) => void = () => {};
  private constructor(
    readonly ws: WebSocket,
    readonly id: string,
  ) {}

  static connect(adapter: ProtocolAdapter, port: number, room: string, timeoutMs = 10_000): Promise<BenchClient> {
    const ws = new WebSocket(`ws://127.0.0.1:${port}${adapter.path(room)}`, { perMessageDeflate: false });
    const greeted = new Promise<BenchClient>((resolve, reject) => {
      let client: BenchClient | undefined;
      ws.on('message', (data: Buffer) => {
        const frame = data.toString();
        if (client) {
          const payload = adapter.payload(frame);
          if (payload !== undefined) client.onPayload(payload, performance.now());
          return;
        }
        const id = adapter.hello(frame);
        if (id !== undefined) resolve((client = new BenchClient(ws, id)));
      });
      ws.on('error', reject);
      ws.once('close', (code) => reject(new Error(`closed with ${code} before the greeting`)));
    });
    return withTimeout(greeted, timeoutMs, 'greeting').catch((err: unknown) => {
      ws.terminate();
      throw err;
    });
  }

  private corked = false;

  /** Frames sent in one tick leave in one write, as the relay's own do, so the load generator stays cheap. */
  send(frame: string): void {
    const tcp = (this.ws as unknown as { _socket?: Writable })._socket;
    if (tcp && !this.corked) {
      this.corked = true;
      tcp.cork();
      process.nextTick(() => {
        this.corked = false;
        tcp.uncork();
      });
    }
    this.ws.send(frame);
  }

  close(): Promise<void> {
    return closeSocket(this.ws);
  }
}

/** Runs `task(i)` for i in [0, count), at most `concurrency` at a time, starting none after the deadline. */
export async function pool(count: number, concurrency: number, task: (i: number) => Promise<void>, deadlineMs = 60_000): Promise<void> {
  const deadline = performance.now() + deadlineMs;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count && performance.now() < deadline) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  if (next < count) throw new Error(`${count - next} of ${count} tasks not started within ${deadlineMs} ms`);
}

/** Connects `count` clients into `into`, so the caller can close those that connected when the rest fail. */
export function connectMany(adapter: ProtocolAdapter, port: number, count: number, room: (i: number) => string, into: BenchClient[]): Promise<void> {
  return pool(count, 100, async (i) => void into.push(await BenchClient.connect(adapter, port, room(i))));
}

export async function closeAll(clients: BenchClient[]): Promise<void> {
  await pool(clients.length, 500, (i) => clients[i]!.close());
}

// ---- payloads and latency

const PADDING = 'x'.repeat(64 * 1024);

/** A payload of exactly `size` bytes that carries its sequence number and send time. */
export function payload(seq: number, size: number): string {
  const head = `b${seq}:${Math.round(performance.now() * 1000)}:`;
  return head.length >= size ? head : head + PADDING.slice(0, size - head.length);
}

/** The sequence number and latency (ms) of a delivered payload. */
export function parsePayload(p: string, at: number): { seq: number; latencyMs: number } {
  const a = p.indexOf(':');
  const b = p.indexOf(':', a + 1);
  return { seq: Number(p.slice(1, a)), latencyMs: at - Number(p.slice(a + 1, b)) / 1000 };
}

export interface LatencySummary {
  p50: number;
  p99: number;
  max: number;
}

/** Latency samples, bounded in count. */
export class Latencies {
  private readonly samples: Float64Array;
  private n = 0;

  constructor(capacity = 4_000_000) {
    this.samples = new Float64Array(capacity);
  }

  add(ms: number): void {
    if (this.n < this.samples.length) this.samples[this.n++] = ms;
  }

  summary(): LatencySummary {
    const sorted = this.samples.subarray(0, this.n).sort();
    const at = (q: number): number => round(sorted[Math.min(this.n - 1, Math.floor(q * this.n))] ?? NaN, 3);
    return { p50: at(0.5), p99: at(0.99), max: round(sorted[this.n - 1] ?? NaN, 3) };
  }
}

export function round(x: number, digits = 0): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
