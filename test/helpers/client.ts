import WebSocket from 'ws';

export interface Closed {
  code: number;
  reason: string;
}

/**
 * A real ws client that queues what it receives, so a test can await the next frame, assert
 * that none comes, or await the close.
 */
export class Client {
  readonly ws: WebSocket;
  private readonly queue: string[] = [];
  private waiters: ((frame: string) => void)[] = [];
  readonly closed: Promise<Closed>;
  readonly opened: Promise<void>;

  constructor(url: string, options: WebSocket.ClientOptions = {}) {
    this.ws = new WebSocket(url, { perMessageDeflate: false, ...options });
    this.ws.on('message', (data: Buffer) => {
      const text = data.toString();
      const w = this.waiters.shift();
      if (w) w(text);
      else this.queue.push(text);
    });
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
    });
    this.closed = new Promise((resolve) => this.ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  }

  static async open(url: string, options?: WebSocket.ClientOptions): Promise<Client> {
    const c = new Client(url, options);
    await c.opened;
    return c;
  }

  /** The next frame, or an error after `ms`. */
  next(ms = 2000): Promise<string> {
    const queued = this.queue.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`no frame within ${ms} ms`));
      }, ms);
      const waiter = (frame: string): void => {
        clearTimeout(timer);
        resolve(frame);
      };
      this.waiters.push(waiter);
    });
  }

  async json<T = Record<string, unknown>>(ms?: number): Promise<T> {
    return JSON.parse(await this.next(ms)) as T;
  }

  /** Resolves to the frames that arrive within `ms` (use with an empty expectation to assert silence). */
  async drain(ms = 150): Promise<string[]> {
    await new Promise((r) => setTimeout(r, ms));
    return this.queue.splice(0);
  }

  send(data: string | Buffer, binary = false): void {
    this.ws.send(data, { binary });
  }

  sendJson(value: unknown): void {
    this.ws.send(JSON.stringify(value));
  }

  async close(code = 1000): Promise<Closed> {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close(code);
    return this.closed;
  }
}
