import { request } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { serveConsole, type ConsoleServer } from '../../relay/console/http.js';
import { FREE_FAILURES } from '../../relay/console/gate.js';
import { ConsoleApiClient } from '../helpers/console-api.js';
import { assertAlive } from '../helpers/liveness.js';
import { refusal } from '../helpers/refusal.js';
import { startRelay, type Running } from '../helpers/relay.js';

/** Who reaches /console/api: the relay's own pages and the desktop window, with the token, at a bounded rate of wrong guesses. */

let relay: Running;
let server: ConsoleServer;
const open: ConsoleApiClient[] = [];

beforeEach(async () => {
  relay = await startRelay({ consoleToken: 'sesame' });
  server = serveConsole(relay.relay, { batchMs: 10 });
});
afterEach(async () => {
  for (const c of open.splice(0)) c.close();
  server.stop();
  await relay.stop();
});

const api = (token: string): string => `${relay.url}/console/api?token=${token}`;

async function accepted(token: string, headers: Record<string, string> = {}, localAddress?: string): Promise<ConsoleApiClient> {
  const c = await ConsoleApiClient.open(api(token), { headers, localAddress });
  open.push(c);
  expect(await c.result('rooms', {})).toEqual([]);
  return c;
}

/** The console's own HTTP probe of its token (GET /console/api), as a real HTTP client. */
function probe(token: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: relay.port, path: `/console/api?token=${token}`, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the console API and the Origin of a page', () => {
  it('refuses a WebSocket and the token probe from a foreign page with 403, even with the right token', async () => {
    for (const origin of ['http://evil.example', `http://127.0.0.1:${relay.port + 1}`, 'null', 'file://', `https://127.0.0.1:${relay.port}x`]) {
      const r = await refusal(api('sesame'), { headers: { origin } });
      expect(r.status, origin).toBe(403);
      expect(r.body).toBe(`origin ${origin} may not use the console API: open the console from this relay's own address\n`);
      expect((await probe('sesame', { origin })).status).toBe(403);
    }
    expect(relay.relay.log.recent().filter((e) => e.event === 'refused' && e.code === 403).length).toBeGreaterThanOrEqual(5);
    await assertAlive(relay);
  });

  it("lets in the relay's own origin, the desktop window's app:// origin, and a tool that sends no Origin", async () => {
    await accepted('sesame', { origin: `http://127.0.0.1:${relay.port}` });
    await accepted('sesame', { origin: `HTTP://127.0.0.1:${relay.port}` });
    await accepted('sesame', { origin: 'app://switchboard' });
    await accepted('sesame');
    // The Origin only opens the door to the token check: the token is still needed.
    expect((await refusal(api('wrong'), { headers: { origin: `http://127.0.0.1:${relay.port}` } })).status).toBe(401);
  });
});

describe('repeated wrong console tokens', () => {
  it(`slows an address after ${FREE_FAILURES} wrong tokens with 429 and Retry-After, and never the operator at another address`, async () => {
    for (let i = 0; i < FREE_FAILURES; i++) expect((await refusal(api(`guess${i}`))).status).toBe(401);
    const slowed = await refusal(api('guess-more'));
    expect(slowed.status).toBe(429);
    expect(slowed.headers['retry-after']).toBe('1');
    expect(slowed.body).toBe(`${FREE_FAILURES + 1} wrong console tokens from this address: try again in 1 s\n`);
    // While it waits, not even the right token is looked at from there: guessing gains nothing.
    expect((await refusal(api('sesame'))).status).toBe(429);
    expect((await probe('sesame')).status).toBe(429);
    // The operator at another address is not held up.
    await accepted('sesame', {}, '127.0.0.2');
    // Nor are protocol clients.
    await assertAlive(relay);
    // One log line for the start of the wait, not one per refused attempt.
    expect(relay.relay.log.recent().filter((e) => e.event === 'refused' && e.code === 429)).toHaveLength(1);

    // After the wait the right token gets in, and the address starts afresh.
    let c: ConsoleApiClient | undefined;
    for (let i = 0; i < 40 && !c; i++) {
      await new Promise((r) => setTimeout(r, 100));
      c = await ConsoleApiClient.open(api('sesame')).catch(() => undefined);
    }
    expect(c).toBeDefined();
    open.push(c!);
    expect((await refusal(api('guess-again'))).status).toBe(401);
  });

  it('doubles the wait with each wrong token past the free ones', async () => {
    for (let i = 0; i < FREE_FAILURES + 1; i++) await refusal(api(`guess${i}`));
    // Within the first wait (1 s) every attempt is told the rest of it; the first wrong token after it waits 2 s.
    let r = await refusal(api('x'));
    for (let i = 0; i < 40 && r.headers['retry-after'] === '1'; i++) {
      await new Promise((done) => setTimeout(done, 100));
      r = await refusal(api('x'));
    }
    expect(r.status).toBe(429);
    expect(r.headers['retry-after']).toBe('2');
    expect(r.body).toContain(`${FREE_FAILURES + 2} wrong console tokens`);
  });
});
