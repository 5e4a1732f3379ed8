import WebSocket from 'ws';
import type { ConsoleEvent, ConsoleServerFrame } from '../../relay/console/types.js';

export type Answer = { result: unknown } | { error: string };

/**
 * A real WebSocket client of /console/api, as a script holding the token would be one: it sends
 * raw frames (so a test can send what the typed client never would) and awaits their answers.
 */
export class ConsoleApiClient {
  private nextId = 1;
  private readonly pending = new Map<number, (a: Answer) => void>();
  readonly events: ConsoleEvent[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => {
      const frame = JSON.parse(data.toString()) as ConsoleServerFrame;
      if ('event' in frame) this.events.push(frame.event);
      else this.pending.get(frame.id)?.(frame);
    });
    this.closed = new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  }

  static open(url: string, options: WebSocket.ClientOptions = {}): Promise<ConsoleApiClient> {
    const ws = new WebSocket(url, { perMessageDeflate: false, ...options });
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new ConsoleApiClient(ws)));
      ws.once('error', reject);
    });
  }

  /** Sends `{id, op, params}` as it is given and resolves with the answer, or rejects after `ms`. */
  ask(op: unknown, params?: unknown, ms = 3000): Promise<Answer> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`no answer to ${JSON.stringify(op)} within ${ms} ms`));
      }, ms);
      this.pending.set(id, (a) => {
        clearTimeout(timer);
        this.pending.delete(id);
        resolve(a);
      });
      this.ws.send(JSON.stringify({ id, op, params }));
    });
  }

  /** The answer's error text; fails when the request succeeded. */
  async error(op: unknown, params?: unknown): Promise<string> {
    const a = await this.ask(op, params);
    if (!('error' in a)) throw new Error(`${JSON.stringify(op)} ${JSON.stringify(params)} was answered ${JSON.stringify(a.result).slice(0, 200)}`);
    return a.error;
  }

  async result<T = unknown>(op: unknown, params?: unknown): Promise<T> {
    const a = await this.ask(op, params);
    if ('error' in a) throw new Error(`${JSON.stringify(op)} failed: ${a.error}`);
    return a.result as T;
  }

  close(): void {
    this.ws.terminate();
  }
}
