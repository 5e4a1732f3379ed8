import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCapture } from '../../relay/capture/format.js';
import { serveConsole, type ConsoleServer } from '../../relay/console/http.js';
import { builtDir, staticRoute } from '../../relay/http/static.js';
import { launchChromium, type Browser } from '../helpers/browser.js';
import { Client } from '../helpers/client.js';
import { EXCHANGE_SECRET, EXCHANGE_TOKEN, playExchange } from '../helpers/exchange.js';
import { runCli } from '../helpers/process.js';
import { startRelay, type Running } from '../helpers/relay.js';

/**
 * Captures from the browser console against a real relay and Debian's Chromium: Record, Stop,
 * download, replay into the relay itself; then captures opened in a console that has no relay
 * at all (its pages served by a plain HTTP server), one made from the console, one from the CLI.
 */

const SHOTS = 'test-results/screenshots';

/** The built console's pages and nothing else: no relay, no console API. */
async function pagesOnly(): Promise<{ server: Server; url: string }> {
  const pages = staticRoute({ prefix: '/console/', dir: builtDir('console'), notBuilt: 'not built\n', fallbackToIndex: true });
  const server = createServer((req, res) => {
    if (!pages(req, res, new URL(req.url ?? '/', 'http://pages'))) {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}/console/#captures` };
}

/** Opens a capture file in a console page with no relay behind it, runs `work` on the page, then closes both. */
async function withOffline(browser: Browser, file: string, work: (offline: Page) => Promise<void>): Promise<void> {
  const pages = await pagesOnly();
  const offline = await browser.context.newPage();
  try {
    await offline.goto(pages.url);
    await offline.getByLabel('Capture file').setInputFiles(file);
    await offline.getByRole('status', { name: 'offline capture' }).waitFor();
    await work(offline);
  } finally {
    await offline.close();
    pages.server.close();
  }
}

/** A capture made by `switchboard serve --record`, with the same exchange. */
async function cliCapture(dir: string): Promise<string> {
  const file = join(dir, 'from-the-cli.jsonl');
  const p = runCli(['serve', '--port', '0', '--access-token', EXCHANGE_TOKEN, '--channelstream-secret', EXCHANGE_SECRET, '--record', file]);
  try {
    const [, url] = await p.waitFor(/msg-relay[^\n]* on (ws:\/\/127\.0\.0\.1:\d+)\//);
    await playExchange(url!);
  } finally {
    p.child.kill('SIGTERM');
    await p.exited;
  }
  return file;
}

/**
 * Three msg-relay peers in one group, recorded by `record`: x to y, y to z, and z to the whole
 * group (a fan-out). The header is then dated an hour back, as a capture opened the day after
 * its session would be: the flow must draw the capture's own time, not the clock's.
 */
async function threePeerCapture(dir: string): Promise<{ file: string; x: string; y: string; z: string }> {
  const file = join(dir, 'three-peers.jsonl');
  const relay = await startRelay({ record: file });
  const peers: { client: Client; id: string }[] = [];
  try {
    for (const meta of ['xavier', 'yvonne', 'zoe']) {
      const client = await Client.open(`${relay.url}/msg-relay?group=flowroom&meta=${meta}`);
      peers.push({ client, id: (await client.json<{ connection_id: string }>()).connection_id });
    }
    const [x, y, z] = peers as [(typeof peers)[0], (typeof peers)[0], (typeof peers)[0]];
    x.client.sendJson({ to: y.id, text: 'x to y' });
    await y.client.drain(100);
    y.client.sendJson({ to: z.id, text: 'y to z' });
    await z.client.drain(100);
    z.client.sendJson({ to: 'group', meta_filter: '*', text: 'z to all' });
    await x.client.drain(200);
    for (const p of peers) await p.client.close();
  } finally {
    await relay.stop();
  }
  const [head, ...rest] = readFileSync(file, 'utf8').split('\n');
  const header = JSON.parse(head!) as { started: string; startedMs: number };
  header.startedMs -= 3_600_000;
  header.started = new Date(header.startedMs).toISOString();
  writeFileSync(file, [JSON.stringify(header), ...rest].join('\n'));
  return { file, x: peers[0]!.id, y: peers[1]!.id, z: peers[2]!.id };
}

describe('captures in the browser console', () => {
  let relay: Running;
  let consoleServer: ConsoleServer;
  let browser: Browser;
  let page: Page;
  let dir: string;
  let downloaded: string;
  const shot = (name: string) => page.screenshot({ path: `${SHOTS}/${name}.png` });

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    dir = mkdtempSync(join(tmpdir(), 'switchboard-e2e-capture-'));
    relay = await startRelay({ accessToken: EXCHANGE_TOKEN, channelstreamSecret: EXCHANGE_SECRET, captureDir: join(dir, 'captures') });
    consoleServer = serveConsole(relay.relay);
    browser = await launchChromium();
    page = await browser.context.newPage();
  }, 30_000);

  afterAll(async () => {
    await browser?.close();
    consoleServer?.stop();
    await relay?.stop();
  });

  it('records from the console with its bounds, and stops', async () => {
    await page.goto(consoleServer.url().replace('#token=', '#captures&token='));
    await page.getByLabel('Size bound in MiB').fill('8');
    await page.getByLabel('Time bound in minutes').fill('5');
    await page.getByRole('button', { name: 'Record a capture' }).click();
    await page.getByText(/Recording to .*capture-.*\.jsonl/).waitFor();
    await playExchange(relay.url);
    await page.getByText(/Recording to .*: \d{2,} records/).waitFor({ timeout: 5000 });
    await shot('capture-recording');
    await page.getByRole('button', { name: 'Stop the capture' }).click();
    await page.getByText(/Last capture capture-.*\.jsonl ended: stopped by the operator/).waitFor();
    const row = page.getByRole('table', { name: 'Captures' }).locator('tbody tr').first();
    await expect.poll(() => row.textContent()).toMatch(/stopped by the operator/);
    await shot('capture-stopped');
    const overview = relay.relay.captures.overview();
    expect(overview.files[0]).toMatchObject({ by: 'console', state: 'ended', reason: 'stopped by the operator' });
    const header = parseCapture(readFileSync(relay.relay.captures.path(overview.files[0]!.name)!, 'utf8')).header;
    expect(header).toMatchObject({ by: 'console', bounds: { maxBytes: 8 * 1024 * 1024, maxSeconds: 300 } });
  }, 60_000);

  it('downloads the capture behind the console token', async () => {
    const href = await page.getByRole('link', { name: 'Download' }).first().getAttribute('href');
    const base = consoleServer.url().replace(/\/console\/#.*/, '');
    const res = await fetch(base + href!);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="capture-.*\.jsonl"$/);
    const text = await res.text();
    expect(parseCapture(text).records.at(-1)).toMatchObject({ type: 'end', reason: 'stopped by the operator' });
    downloaded = join(dir, 'downloaded.jsonl');
    writeFileSync(downloaded, text);
    const refused = await fetch(base + href!.replace(/token=[^&]+/, 'token=wrong'));
    expect(refused.status).toBe(401);
  });

  it('replays the capture into its own relay and shows the report', async () => {
    await page.getByRole('button', { name: 'Replay' }).first().click();
    const report = page.getByLabel(/replay of capture-/);
    await report.getByText(/No differences: 10 clients at speed 1/).waitFor({ timeout: 30_000 });
    await shot('capture-replayed');
  }, 60_000);

  it('opens captures from the console and from the CLI in a console with no relay', async () => {
    const cli = await cliCapture(dir);
    await withOffline(browser, downloaded, async (offline) => {
      // The Traffic view lists the capture's records, newest first, and filters them.
      const rows = offline.locator('.trow.traffic-cols');
      await expect.poll(() => rows.count()).toBeGreaterThan(10);
      await offline.getByPlaceholder(/Search text/).fill('hello b');
      await expect.poll(async () => (await rows.allTextContents()).join('\n')).toMatch(/msg-relay.*hello b/);
      expect((await rows.allTextContents()).every((t) => t.includes('hello b'))).toBe(true);
      await offline.getByPlaceholder(/Search text/).fill('');
      await offline.getByLabel('Peer').fill('2');
      await expect.poll(async () => (await rows.allTextContents()).every((t) => /spacewar/.test(t))).toBe(true);
      await offline.screenshot({ path: `${SHOTS}/capture-offline-traffic.png` });
      await offline.getByRole('button', { name: /^Peers/ }).click();
      await offline.getByText('alpha').first().waitFor();

      await offline.getByRole('button', { name: /^Captures/ }).click();
      await offline.getByLabel('Capture file').setInputFiles(cli);
      await offline.getByRole('button', { name: /^Captures/ }).click();
      await offline.getByText(/Opened with no relay: \d+ records, .* \(from the command line\), ended: the relay stopped/).waitFor();
      await offline.screenshot({ path: `${SHOTS}/capture-offline-cli.png` });

      const bad = join(dir, 'not-a-capture.jsonl');
      writeFileSync(bad, '{"nope": true}\n');
      await offline.getByLabel('Capture file').setInputFiles(bad);
      await offline.getByText(/not-a-capture\.jsonl: line 1: not a Switchboard capture/).waitFor();
    });
  }, 60_000);

  it('draws the flow of a three-peer exchange from a capture opened with no relay', async () => {
    const { file, x, y, z } = await threePeerCapture(dir);
    await withOffline(browser, file, async (offline) => {
      await offline.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: 'Flow', exact: true }).click();
      await offline.getByRole('combobox', { name: 'Room to draw' }).selectOption({ label: 'msg-relay · flowroom (3)' });
      const svg = offline.getByRole('img', { name: 'Message flow' });
      await svg.waitFor();
      const lanes = async () => (await svg.locator('g.lane').evaluateAll((gs) => gs.map((g) => g.getAttribute('data-lane')))).sort();
      await expect.poll(lanes).toEqual(['relay', x, y, z].sort());
      const arrows = () => svg.locator('g.arrow.kind-message').evaluateAll((gs) => gs.map((g) => [g.getAttribute('data-from'), (g.getAttribute('data-to') ?? '').split(' ').sort().join(' ')]));
      await expect.poll(arrows).toEqual([
        [x, y],
        [y, z],
        [z, [x, y].sort().join(' ')],
      ]);
      expect(await svg.locator('g.arrow.fanout').count()).toBe(1);
      expect(await svg.locator('g.mark-open').count()).toBe(3);
      expect(await svg.locator('g.mark-close').count()).toBe(3);
      await offline.screenshot({ path: `${SHOTS}/capture-offline-flow.png` });
      await svg.locator('g.arrow.fanout .hit').dispatchEvent('click');
      const detail = offline.getByRole('complementary', { name: 'Message detail' });
      await expect.poll(() => detail.getByRole('tree').innerText()).toContain('"z to all"');
    });
  }, 60_000);
});
