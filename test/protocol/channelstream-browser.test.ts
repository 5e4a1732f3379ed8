import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sign } from '../../relay/dialects/channelstream/signer.js';
import { Channelstream, SECRET } from '../helpers/channelstream.js';

/**
 * A page on another origin does what channelstream's browser client does: POST JSON with
 * `?secret=` (browsers cannot send the header cross-origin), open /ws, read array frames, and
 * fall back to /listen. Chromium enforces CORS, preflights included.
 */

let cs: Channelstream;
let app: Server;
let appUrl: string;
let context: BrowserContext;
let profile: string;

beforeAll(async () => {
  cs = await Channelstream.start();
  app = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<!doctype html><title>app</title>');
  });
  await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
  appUrl = `http://127.0.0.1:${(app.address() as { port: number }).port}/`;
  profile = mkdtempSync(join(tmpdir(), 'switchboard-chromium-'));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

afterAll(async () => {
  await context?.close();
  rmSync(profile, { recursive: true, force: true });
  await new Promise((r) => app.close(r));
  await cs.stop();
});

describe('channelstream from a browser on another origin', () => {
  it('connects, receives a message on /ws, and long-polls /listen', async () => {
    const page = await context.newPage();
    await page.goto(appUrl);
    const result = await page.evaluate(
      async ({ relay, token }) => {
        const api = async (path: string, body: unknown): Promise<Record<string, unknown>> => {
          const r = await fetch(`${relay}${path}?secret=${encodeURIComponent(token)}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
          return (await r.json()) as Record<string, unknown>;
        };
        const connected = await api('/connect', { username: 'browser', channels: ['web'] });
        const ws = new WebSocket(`${relay.replace('http', 'ws')}/ws?conn_id=${String(connected.conn_id)}`);
        const frame = new Promise<unknown[]>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error('no frame')), 5000);
          ws.onmessage = (e) => {
            const events = JSON.parse(String(e.data)) as unknown[];
            if (events.length) {
              clearTimeout(timer);
              resolve(events);
            }
          };
        });
        await new Promise((resolve) => (ws.onopen = resolve));
        await api('/message', [{ user: 'browser', channel: 'web', message: { text: 'hi' } }]);
        const received = await frame;
        ws.close();
        const poller = await api('/connect', { username: 'poller', channels: ['web'] });
        await api('/message', [{ user: 'browser', channel: 'web', message: { text: 'polled' } }]);
        const polled = (await (await fetch(`${relay}/listen?conn_id=${String(poller.conn_id)}`)).json()) as unknown[];
        return { channels: connected.channels, received, polled };
      },
      { relay: cs.http, token: sign(SECRET, 'channelstream') },
    );
    expect(result.channels).toEqual(['web']);
    expect(result.received).toMatchObject([{ channel: 'web', user: 'browser', message: { text: 'hi' }, type: 'message' }]);
    expect(result.polled).toMatchObject([{ message: { text: 'polled' }, catchup: true }]);
    await page.close();
  });
});
