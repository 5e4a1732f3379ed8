import { sign } from '../../relay/dialects/channelstream/signer.js';
import { Client } from './client.js';
import { startRelay, type Running } from './relay.js';

export const SECRET = 'test-secret';

export interface ApiReply<T = unknown> {
  status: number;
  headers: Headers;
  text: string;
  /** The body as JSON (undefined when it is not JSON). */
  json: T;
}

export interface CallOptions {
  method?: string;
  body?: unknown;
  /** A token, false for none; a fresh valid token by default. */
  token?: string | false;
  headers?: Record<string, string>;
}

/** A channelstream relay with short timeouts, and a signed-REST client for it. */
export class Channelstream {
  private constructor(readonly running: Running) {}

  static async start(overrides: Parameters<typeof startRelay>[0] = {}): Promise<Channelstream> {
    return new Channelstream(
      await startRelay({
        channelstreamSecret: SECRET,
        channelstreamHeartbeatMs: 200,
        channelstreamGcIdleMs: 3000,
        channelstreamGcTickMs: 50,
        channelstreamListenWaitMs: 300,
        channelstreamListenGatherMs: 50,
        ...overrides,
      }),
    );
  }

  get http(): string {
    return `http://127.0.0.1:${this.running.port}`;
  }

  async call<T = unknown>(path: string, opts: CallOptions = {}): Promise<ApiReply<T>> {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.token !== false) headers['x-channelstream-secret'] = opts.token ?? sign(SECRET, 'channelstream');
    let body: string | undefined;
    if (opts.body !== undefined) {
      body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await fetch(this.http + path, { method: opts.method ?? (body === undefined ? 'GET' : 'POST'), headers, body });
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, headers: res.headers, text, json: json as T };
  }

  /** POST /connect; returns the reply's body and fails the test on an error. */
  async connect(username: string, channels: string[] = [], extra: Record<string, unknown> = {}): Promise<Record<string, unknown> & { conn_id: string }> {
    const r = await this.call<Record<string, unknown> & { conn_id: string }>('/connect', { body: { username, channels, ...extra } });
    if (r.status !== 200) throw new Error(`/connect answered ${r.status}: ${r.text}`);
    return r.json;
  }

  /** A WebSocket on /ws for the connection, with the heartbeats filtered out. */
  async socket(connId: string): Promise<Listener> {
    const c = await Client.open(`${this.running.url}/ws?conn_id=${connId}`);
    return new Listener(c);
  }

  async configure(channels: Record<string, Record<string, unknown>>): Promise<void> {
    const r = await this.call('/channel_config', { body: channels });
    if (r.status !== 200) throw new Error(`/channel_config answered ${r.status}: ${r.text}`);
  }

  async post(messages: Record<string, unknown>[]): Promise<ApiReply<Record<string, unknown>[]>> {
    return this.call('/message', { body: messages });
  }

  stop(): Promise<void> {
    return this.running.stop();
  }
}

export type Event = Record<string, unknown> & { type: string };

/** Reads channelstream frames (JSON arrays), skipping `[]` heartbeats. */
export class Listener {
  constructor(readonly client: Client) {}

  /** The next event frame: a one-element array. */
  async event(ms = 2000): Promise<Event> {
    const deadline = Date.now() + ms;
    for (let i = 0; i < 1000; i++) {
      const frame = await this.client.next(Math.max(1, deadline - Date.now()));
      const events = JSON.parse(frame) as Event[];
      if (events.length === 0) continue;
      if (events.length !== 1) throw new Error(`expected one event per frame, got ${frame}`);
      return events[0]!;
    }
    throw new Error('too many heartbeats');
  }

  /** Events (not heartbeats) that arrive within `ms`. */
  async quiet(ms = 300): Promise<Event[]> {
    const frames = await this.client.drain(ms);
    return frames.flatMap((f) => JSON.parse(f) as Event[]);
  }

  close(): Promise<unknown> {
    return this.client.close();
  }
}
