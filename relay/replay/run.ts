import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import type { Capture, FrameContent, HttpRecord } from '../capture/format.js';
import { frameBytes } from '../capture/format.js';
import { sign } from '../dialects/channelstream/signer.js';
import { diffSequences } from './diff.js';
import { IdMap } from './ids.js';
import { planReplay, type ClientPlan } from './plan.js';
import type { CallReport, ClientReport, ReplayReport } from './report.js';
import { WIRES, type ReplayWire } from './wire.js';

export interface ReplayOptions {
  /** ws://HOST:PORT of the relay to replay into. */
  url: string;
  /** 2 plays twice as fast; the default 1 keeps the recorded timing. */
  speed?: number;
  /** Only the clients that were in this room. */
  room?: string;
  /** Signs channelstream's REST calls, as its backend did. */
  channelstreamSecret?: string;
  /** The target relay's access token, sent as a Bearer header. */
  accessToken?: string;
  /**
   * How long a step waits for what it depends on: an id it names to be assigned, and the frames
   * its client had received before it in the capture.
   */
  idWaitMs?: number;
  /** Quiet time after the last step before the replay ends and compares. */
  settleMs?: number;
}

type Received = { frame: string } | { close: { code: number; reason: string } };

const CLOSE_WAIT_MS = 2000;
const MAX_SETTLE_MS = 10_000;

/**
 * Puts the replay's ids in place of the captured ones. A frame naming an id the replay has not
 * been given yet waits for it (bounded), as the captured client had it by then.
 */
class Rewriter {
  readonly ids = new IdMap();
  /** Per scope, the ids the relay assigned in the capture (so a word that merely looks like one is not waited for). */
  private readonly captured = new Map<string, Set<string>>();

  constructor(private readonly waitMs: number) {}

  assigned(scope: string, id: string): void {
    const set = this.captured.get(scope);
    if (set) set.add(id);
    else this.captured.set(scope, new Set([id]));
  }

  async rewrite(scope: string, wire: ReplayWire, text: string): Promise<string> {
    for (const id of wire.ids(text)) if (this.ids.get(scope, id) === undefined && this.captured.get(scope)?.has(id)) await this.ids.wait(scope, id, this.waitMs);
    return wire.rewrite(text, (id) => this.ids.get(scope, id));
  }
}

/** One captured client, re-created as a real client of its protocol. */
class ReplayClient {
  ws: WebSocket | undefined;
  readonly received: Received[] = [];
  readonly notes: string[] = [];
  /** The ids the relay gave it in the capture, in the order it announced them. */
  private readonly capturedOwn: string[];
  private ownSeen = 0;
  private closedByUs = false;
  private closed: Promise<void> = Promise.resolve();
  /** Its steps, one after another. */
  chain: Promise<void> = Promise.resolve();
  lastHeard = 0;
  /** Frames received that the comparison counts. */
  private counted = 0;
  /** The socket closed: nothing more will arrive. */
  private gone = false;
  private readonly waiters = new Set<() => void>();

  constructor(
    readonly plan: ClientPlan,
    readonly wire: ReplayWire,
    private readonly rewriter: Rewriter,
  ) {
    this.capturedOwn = plan.expected.flatMap((e) => ('frame' in e ? wire.ownIds(e.frame) : []));
    if (plan.protocol !== 'compendium' && this.capturedOwn[0] !== plan.id) this.capturedOwn.unshift(plan.id);
    for (const id of this.capturedOwn) rewriter.assigned(this.scope, id);
  }

  private get ids(): IdMap {
    return this.rewriter.ids;
  }

  get scope(): string {
    return this.wire.scope(this.plan);
  }

  rewrite(text: string): Promise<string> {
    return this.rewriter.rewrite(this.scope, this.wire, text);
  }

  connect(url: string, headers: Record<string, string>, protocols: string[]): Promise<void> {
    const ws = new WebSocket(url, protocols, { headers, perMessageDeflate: false });
    this.ws = ws;
    this.closed = new Promise((resolve) => ws.once('close', () => resolve()));
    ws.on('message', (data: Buffer, isBinary: boolean) => this.heard(isBinary ? data.toString('base64') : data.toString()));
    ws.on('close', (code: number, reason: Buffer) => {
      if (!this.closedByUs) this.received.push({ close: { code, reason: reason.toString() } });
      this.gone = true;
      this.wake();
    });
    return new Promise((resolve) => {
      ws.once('open', () => resolve());
      ws.once('unexpected-response', (_req, res) => {
        this.notes.push(`the relay refused the connection: HTTP ${res.statusCode}`);
        resolve();
      });
      ws.once('error', (err) => {
        this.notes.push(`could not connect: ${err.message}`);
        resolve();
      });
    });
  }

  /**
   * Waits (bounded) until the client has received as many frames as it had in the capture when it
   * took a step, so a reply comes before the next request as it did, whatever the timing.
   */
  caughtUp(seen: number, waitMs: number): Promise<void> {
    const want = this.plan.expected.slice(0, seen).filter((e) => 'frame' in e && !this.wire.ignore?.(e.frame)).length;
    if (this.counted >= want || this.gone) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => done(), waitMs);
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve();
      };
      const check = (): void => {
        if (this.counted >= want || this.gone) done();
      };
      this.waiters.add(check);
    });
  }

  private wake(): void {
    for (const w of [...this.waiters]) w();
  }

  private heard(frame: string): void {
    this.lastHeard = Date.now();
    this.received.push({ frame });
    if (!this.wire.ignore?.(frame)) this.counted++;
    this.wake();
    for (const id of this.wire.ownIds(frame)) {
      const captured = this.capturedOwn[this.ownSeen++];
      if (captured !== undefined) this.ids.learn(this.scope, captured, id);
    }
  }

  learnOwn(replayed: string): void {
    const captured = this.capturedOwn[this.ownSeen++];
    if (captured !== undefined) this.ids.learn(this.scope, captured, replayed);
  }

  async send(content: FrameContent): Promise<void> {
    if (this.ws?.readyState !== WebSocket.OPEN) {
      this.notes.push('a frame was not sent: the socket was already closed');
      return;
    }
    const { data, binary } = frameBytes(content);
    this.ws.send(binary ? data : await this.rewrite(data as string), { binary });
  }

  /** Closes as the captured client did: 1005 is a close without a code, 1006 a vanished client. */
  close(code: number, reason: string): Promise<void> {
    this.closedByUs = true;
    const ws = this.ws;
    if (!ws || ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    if (code === 1006) ws.terminate();
    else if (code === 1005) ws.close();
    else ws.close(sendable(code) ? code : 1000, reason);
    return Promise.race([this.closed, sleep(CLOSE_WAIT_MS)]);
  }

  report(): ClientReport {
    const scope = this.scope;
    const map = (id: string): string | undefined => this.ids.get(scope, id);
    const wire = this.wire;
    const shown = (r: Received | ClientPlan['expected'][number], rewrite: boolean): string | undefined => {
      if ('close' in r) return `(close ${r.close.code} ${r.close.reason})`;
      if (wire.ignore?.(r.frame)) return undefined;
      const f = rewrite ? wire.rewrite(r.frame, map) : r.frame;
      return wire.mask ? wire.mask(f) : f;
    };
    const expected = this.plan.expected.map((e) => shown(e, true)).filter((f): f is string => f !== undefined);
    const received = this.received.map((r) => shown(r, false)).filter((f): f is string => f !== undefined);
    const d = diffSequences(expected, received);
    return {
      key: this.plan.key,
      protocol: this.plan.protocol,
      capturedId: this.plan.id,
      replayedId: this.ids.get(scope, this.plan.id) ?? null,
      rooms: [...this.plan.rooms],
      expected: expected.length,
      received: received.length,
      ...d,
      notes: this.notes,
    };
  }
}

const sendable = (code: number): boolean => code === 1000 || (code >= 3000 && code <= 4999);

/**
 * Re-creates each captured client against a relay, sends its frames with the recorded timing
 * (divided by `speed`), then compares what each received with what the capture says it was
 * sent. Relay-assigned ids are mapped both ways.
 */
export async function replay(capture: Capture, options: ReplayOptions): Promise<ReplayReport> {
  const speed = options.speed ?? 1;
  const idWaitMs = options.idWaitMs ?? 3000;
  const settleMs = options.settleMs ?? 500;
  const base = options.url.replace(/\/+$/, '');
  const http = base.replace(/^ws/, 'http');
  const plan = planReplay(capture, options.room);
  const rewriter = new Rewriter(idWaitMs);
  const clients = plan.clients.map((p) => new ReplayClient(p, WIRES[p.protocol], rewriter));
  const auth: Record<string, string> = options.accessToken ? { authorization: `Bearer ${options.accessToken}` } : {};
  const calls: CallReport[] = [];

  const rest = async (r: HttpRecord): Promise<{ status: number; text: string }> => {
    const rewrite = (text: string): Promise<string> => rewriter.rewrite(r.protocol, WIRES[r.protocol], text);
    const headers: Record<string, string> = { ...auth };
    if (r.protocol === 'channelstream') {
      if (!options.channelstreamSecret) throw new Error('the capture has channelstream REST calls: give --channelstream-secret to sign them');
      headers['x-channelstream-secret'] = sign(options.channelstreamSecret, 'channelstream');
    }
    if (r.body !== '') headers['content-type'] = 'application/json';
    const query = r.query ? `?${await rewrite(r.query)}` : '';
    const res = await fetch(`${http}${r.path}${query}`, { method: r.method, headers, body: r.body === '' ? undefined : await rewrite(r.body) });
    return { status: res.status, text: await res.text() };
  };

  const open = async (c: ClientPlan, rc: ReplayClient): Promise<void> => {
    let path = c.open.path + (c.open.query ? `?${c.open.query}` : '');
    if (c.connect) {
      const r = await rest(c.connect);
      const connId = r.status === 200 ? (JSON.parse(r.text) as { conn_id?: string }).conn_id : undefined;
      if (!connId) {
        rc.notes.push(`/connect answered ${r.status}: ${r.text.slice(0, 200)}`);
        return;
      }
      rc.learnOwn(connId);
      path = `/ws?conn_id=${connId}`;
    } else path = await rc.rewrite(path);
    const { headers, protocols } = handshakeHeaders(c);
    await rc.connect(base + path, { ...headers, ...auth }, protocols);
  };

  // Connections open in the order they opened in the capture (each waits, bounded, for the one
  // before), and an HTTP call waits for those opened before it: what a relay assigns on connect
  // (spacewar's numbers, join notices) follows that order.
  const opened = new Map<ReplayClient, Promise<void>>();
  const openedBefore = (t: number): Promise<unknown> =>
    Promise.race([Promise.all(clients.filter((c) => c.plan.open.t < t).map((c) => opened.get(c))), sleep(idWaitMs)]);
  const steps: { t: number; run: () => void }[] = [];
  for (const rc of clients) {
    const c = rc.plan;
    const then = (fn: () => Promise<void>): Promise<void> => (rc.chain = rc.chain.then(fn, fn));
    steps.push({
      t: c.open.t,
      run: () => {
        const before = openedBefore(c.open.t);
        opened.set(rc, then(async () => {
          await before;
          await open(c, rc);
        }));
      },
    });
    for (const a of c.actions)
      steps.push({
        t: a.t,
        run: () =>
          void then(async () => {
            await rc.caughtUp(a.seen, idWaitMs);
            await ('send' in a ? rc.send(a.send) : rc.close(a.close.code, a.close.reason));
          }),
      });
  }
  let backend: Promise<void> = Promise.resolve();
  for (const call of plan.calls) {
    steps.push({
      t: call.t,
      run: () => {
        const before = openedBefore(call.t);
        backend = backend.then(async () => {
          await before;
          try {
            const r = await rest(call);
            if (r.status !== call.status) calls.push({ method: call.method, path: call.path, expectedStatus: call.status, status: r.status, response: r.text.slice(0, 500) });
          } catch (err) {
            calls.push({ method: call.method, path: call.path, expectedStatus: call.status, status: 0, response: (err as Error).message });
          }
        });
      },
    });
  }
  steps.sort((a, b) => a.t - b.t);

  const t0 = steps[0]?.t ?? 0;
  const started = performance.now();
  for (const s of steps) {
    const due = started + (s.t - t0) / 1000 / speed - performance.now();
    if (due > 1) await sleep(due);
    s.run();
  }
  await Promise.all([...clients.map((c) => c.chain), backend]);
  // Wait until the relay has been quiet for settleMs (bounded), so late deliveries are counted.
  const settleUntil = Date.now() + MAX_SETTLE_MS;
  for (let i = 0; i < 1000 && Date.now() < settleUntil; i++) {
    const last = Math.max(0, ...clients.map((c) => c.lastHeard));
    const quietFor = Date.now() - last;
    if (quietFor >= settleMs) break;
    await sleep(settleMs - quietFor);
  }
  await Promise.all(clients.map((c) => c.close(1000, 'the replay is finished')));

  const reports = clients.map((c) => c.report());
  const differed = calls.length > 0 || reports.some((r) => r.missing.length + r.extra.length + r.reordered.length > 0 || r.notes.length > 0);
  return {
    url: options.url,
    speed,
    room: options.room ?? null,
    started: capture.header.started,
    clients: reports,
    calls,
    unknownSenders: plan.unknownSenders,
    differed,
  };
}

/** The handshake as the capture recorded it; a msg-relay client that named no metadata gets the metadata it was given. */
function handshakeHeaders(c: ClientPlan): { headers: Record<string, string>; protocols: string[] } {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(c.open.headers)) if (k !== 'host' && k !== 'sec-websocket-protocol' && k !== 'content-type') headers[k] = v;
  if (c.protocol === 'msg-relay' && headers['x-peer-meta'] === undefined && !new URLSearchParams(c.open.query).has('meta') && typeof c.open.meta === 'string')
    headers['x-peer-meta'] = c.open.meta;
  const protocols = (c.open.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim()).filter(Boolean);
  return { headers, protocols };
}
