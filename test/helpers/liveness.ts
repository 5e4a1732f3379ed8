import { randomBytes } from 'node:crypto';
import { get } from 'node:http';
import { Client } from './client.js';

/** Where the probe finds the relay: its main listener. */
export interface LiveTarget {
  port: number;
}

export interface ProbeOptions {
  /** The relay's access token, when it has one. */
  token?: string;
  /** How long each step may take before the relay counts as stuck; generous, it is no timing assert. */
  timeoutMs?: number;
}

const within = <T>(what: string, ms: number, work: Promise<T>): Promise<T> => {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`liveness: ${what} did not finish within ${ms} ms`)), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
};

function healthz(port: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = get({ host: '127.0.0.1', port, path: '/healthz' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
  });
}

/**
 * A fresh msg-relay client in a group of its own asks for its id and lists its group: the relay
 * read its frames, ran the protocol and wrote the answers, so its event loop is turning.
 */
async function roundTrip(port: number, token: string | undefined): Promise<void> {
  const group = `liveness-${randomBytes(6).toString('hex')}`;
  const query = `group=${group}&meta=probe${token ? `&token=${encodeURIComponent(token)}` : ''}`;
  const c = await Client.open(`ws://127.0.0.1:${port}/msg-relay?${query}`);
  try {
    const hello = await c.json();
    if (hello.message_type !== 'connection_id') throw new Error(`liveness: expected connection_id first, got ${JSON.stringify(hello)}`);
    c.sendJson({ to: 'host', command: 'list_peers', meta_filter: '*' });
    const list = await c.json();
    if (list.message_type !== 'peer_list' || !Array.isArray(list.peer_list) || list.peer_list.length !== 0)
      throw new Error(`liveness: expected an empty peer_list, got ${JSON.stringify(list)}`);
  } finally {
    await c.close();
  }
}

/**
 * Throws unless the relay still serves a newcomer: a msg-relay round trip on a new socket and a
 * 200 from /healthz, each within the timeout. Run it beside (and after) every hostile input.
 */
export async function assertAlive(target: LiveTarget, opts: ProbeOptions = {}): Promise<void> {
  const ms = opts.timeoutMs ?? 5000;
  const [, health] = await Promise.all([
    within('a msg-relay round trip', ms, roundTrip(target.port, opts.token)),
    within('GET /healthz', ms, healthz(target.port)),
  ]);
  if (health.status !== 200 || (JSON.parse(health.body) as { status?: string }).status !== 'ok')
    throw new Error(`liveness: /healthz answered ${health.status} ${health.body}`);
}

/**
 * Runs the hostile work with the probe beside it: one probe while it runs, one after. The
 * relay must serve the newcomer while the attack is under way, not only once it has ended.
 */
export async function whileAlive<T>(target: LiveTarget, hostile: () => Promise<T>, opts: ProbeOptions = {}): Promise<T> {
  const [result] = await Promise.all([hostile(), assertAlive(target, opts)]);
  await assertAlive(target, opts);
  return result;
}
