import { mkdirSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveConsole, type ConsoleServer } from '../../relay/console/http.js';
import { launchChromium, type Browser } from '../helpers/browser.js';
import { Client } from '../helpers/client.js';
import { startRelay, type Running } from '../helpers/relay.js';

/**
 * The console as a debugger, in Debian's Chromium against a real relay and real peers: whole
 * frames as a tree and a hex dump, filters and sorts, the flow view, rooms, and the composer's
 * history across a reload.
 */

const SHOTS = 'test-results/screenshots';

describe('the console as a debugger', () => {
  let relay: Running;
  let consoleServer: ConsoleServer;
  let browser: Browser;
  let page: Page;
  const clients: Client[] = [];

  async function msgRelay(group: string, meta: string): Promise<{ client: Client; id: string }> {
    const client = await Client.open(`${relay.url}/msg-relay?group=${group}&meta=${meta}`);
    clients.push(client);
    const m = await client.json();
    return { client, id: m.connection_id as string };
  }

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    relay = await startRelay();
    consoleServer = serveConsole(relay.relay);
    browser = await launchChromium();
    page = await browser.context.newPage();
    await page.goto(consoleServer.url());
    await page.getByRole('status', { name: 'connection open' }).waitFor();
  }, 30_000);

  afterAll(async () => {
    await browser?.close();
    for (const c of clients) await c.close();
    consoleServer?.stop();
    await relay?.stop();
  });

  const tab = (name: string) => page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name, exact: true });
  const shot = (name: string) => page.screenshot({ path: `${SHOTS}/${name}.png` });
  const traffic = () => page.getByRole('list', { name: 'Traffic' });

  it('shows a 200 KiB JSON message whole, as a tree and as text', async () => {
    const a = await msgRelay('lobby', 'alice');
    const b = await msgRelay('lobby', 'bob');
    await b.client.drain(50);
    const big = JSON.stringify({ to: b.id, kind: 'inventory', items: Array.from({ length: 4000 }, (_, i) => ({ i, name: `item-${i}`.padEnd(40, '.') })), tail: 'the-end-of-it' });
    expect(big.length).toBeGreaterThan(200 * 1024);
    a.client.send(big);
    await b.client.next();
    await tab('Traffic').click();
    await page.getByRole('textbox', { name: 'Search text' }).fill('the-end-of-it');
    const row = traffic().locator('.trow').first();
    await expect.poll(() => traffic().locator('.trow').count(), { timeout: 10_000 }).toBe(1);
    await row.click();
    const tree = page.getByRole('tree', { name: 'JSON tree' });
    await tree.waitFor();
    await expect.poll(() => tree.innerText()).toContain('"the-end-of-it"');
    expect(await tree.innerText()).toContain('4000 items');
    await tree.getByRole('button', { name: 'Unfold' }).first().click();
    await expect.poll(() => tree.innerText()).toContain('"item-99');
    await shot('frame-tree');
    await page.getByRole('tab', { name: 'Raw text' }).click();
    expect(await page.locator('.frame-text').innerText()).toBe(big);
    await page.getByRole('textbox', { name: 'Search text' }).fill('');
  });

  it('shows a binary frame whole as a hex dump and base64', async () => {
    const player = await Client.open(`${relay.url}/ws-relay/hexroom`);
    clients.push(player);
    await player.next();
    const bytes = Buffer.from([0x2a, 0x20, ...Array.from({ length: 62 }, (_, i) => (i * 37) & 0xff)]);
    player.send(bytes, true);
    await page.getByRole('textbox', { name: 'Room' }).fill('/ws-relay/hexroom');
    const row = traffic().locator('.trow.kind-message', { hasText: 'spacewar' });
    await expect.poll(() => row.count(), { timeout: 10_000 }).toBe(1);
    await row.click();
    const dump = page.getByRole('list', { name: 'Hex dump' });
    await dump.waitFor();
    const lines = await dump.locator('.hex-row').allInnerTexts();
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^00000000 {2}2a 20 00 25 4a 6f 94 b9 {2}de 03 28 4d 72 97 bc e1 {2}\* .%Jo/);
    expect(lines[3]).toMatch(/^00000030 /);
    await shot('frame-hex');
    await page.getByRole('tab', { name: 'Base64' }).click();
    expect(await page.locator('.frame-text').innerText()).toBe(bytes.toString('base64'));
    await page.getByRole('textbox', { name: 'Room' }).fill('');
  });
});
