import type { ClientStatus, ConsoleClient, ConsoleEvent, ConsoleOp, ConsoleServerFrame, Params, Result } from '../../relay/console/types.js';

const REQUEST_TIMEOUT_MS = 15_000;
const RETRY_MS = [500, 1000, 2000, 5000, 10_000];
const MAX_RETRIES = 500;

interface Pending {
  resolve(value: unknown): void;
  reject(err: Error): void;
  timer: ReturnType<typeof setTimeout>;
}

/** The browser's ConsoleClient: the console API over a WebSocket at /console/api, reconnecting when it drops. */
export class WsConsoleClient implements ConsoleClient {
  private ws: WebSocket | undefined;
  private nextId = 1;
  private retries = 0;
  private readonly pending = new Map<number, Pending>();
  private readonly events = new Set<(e: ConsoleEvent) => void>();
  private readonly statuses = new Set<(s: ClientStatus) => void>();
  status: ClientStatus = 'connecting';

  constructor(
    private readonly base: string,
    private readonly token: string,
  ) {
    this.connect();
  }

  request<K extends ConsoleOp>(op: K, params: Params<K>): Promise<Result<K>> {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return Promise.reject(new Error('not connected to the relay'));
    const id = this.nextId++;
    return new Promise<Result<K>>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`the relay did not answer "${op}" within ${REQUEST_TIMEOUT_MS / 1000} s`));
      }, REQUEST_TIMEOUT_MS);
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
      ws.send(JSON.stringify({ id, op, params }));
    });
  }

  onEvent(listener: (event: ConsoleEvent) => void): () => void {
    this.events.add(listener);
    return () => this.events.delete(listener);
  }

  onStatus(listener: (status: ClientStatus) => void): () => void {
    this.statuses.add(listener);
    listener(this.status);
    return () => this.statuses.delete(listener);
  }

  close(): void {
    this.retries = MAX_RETRIES;
    this.ws?.close();
  }

  private setStatus(s: ClientStatus): void {
    this.status = s;
    for (const l of this.statuses) l(s);
  }

  private connect(): void {
    this.setStatus('connecting');
    const ws = new WebSocket(`${this.base.replace(/^http/, 'ws')}/console/api?token=${encodeURIComponent(this.token)}`);
    this.ws = ws;
    let opened = false;
    ws.onopen = () => {
      opened = true;
      this.retries = 0;
      this.setStatus('open');
    };
    ws.onmessage = (m: MessageEvent<string>) => this.receive(JSON.parse(m.data) as ConsoleServerFrame);
    ws.onclose = () => {
      for (const [id, p] of this.pending) {
        clearTimeout(p.timer);
        p.reject(new Error('the connection to the relay closed'));
        this.pending.delete(id);
      }
      if (!opened) void this.diagnose();
      else this.retry();
    };
  }

  /** A failed upgrade hides its status from the page: ask over HTTP whether the token is wrong. */
  private async diagnose(): Promise<void> {
    try {
      const res = await fetch(`${this.base}/console/api?token=${encodeURIComponent(this.token)}`);
      if (res.status === 401) {
        this.setStatus('unauthorized');
        return;
      }
    } catch {
      // The relay is down: keep trying.
    }
    this.retry();
  }

  private retry(): void {
    this.setStatus('closed');
    if (this.retries >= MAX_RETRIES) return;
    const wait = RETRY_MS[Math.min(this.retries++, RETRY_MS.length - 1)];
    setTimeout(() => this.connect(), wait);
  }

  private receive(frame: ConsoleServerFrame): void {
    if ('event' in frame) {
      for (const l of this.events) l(frame.event);
      return;
    }
    const p = this.pending.get(frame.id);
    if (!p) return;
    this.pending.delete(frame.id);
    clearTimeout(p.timer);
    if ('error' in frame) p.reject(new Error(frame.error));
    else p.resolve(frame.result);
  }
}
