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
  /** Opens a traffic row's detail by its time: a click on its peer or room filters instead. */
  const open = (row: ReturnType<Page['locator']>) => row.locator('span').first().click();

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
    await open(row);
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

  it('copies a frame and a value of its tree to the clipboard', async () => {
    await browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(consoleServer.url()).origin });
    const clipboard = (): Promise<string> => page.evaluate('navigator.clipboard.readText()') as Promise<string>;
    await page.evaluate("navigator.clipboard.writeText('before')");
    const frame = page.getByRole('button', { name: 'Copy the frame' });
    await frame.click();
    await expect.poll(() => frame.innerText()).toBe('copied');
    expect(JSON.parse(await clipboard())).toMatchObject({ kind: 'inventory', tail: 'the-end-of-it' });
    // A value's copy button shows when its row is pointed at.
    await page.getByRole('tab', { name: 'JSON tree' }).click();
    const row = page.getByRole('tree', { name: 'JSON tree' }).locator('.jt-row', { hasText: 'tail:' });
    await row.hover();
    await row.getByRole('button', { name: 'Copy tail' }).click();
    await expect.poll(clipboard).toBe('"the-end-of-it"');
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
    await open(row);
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

  it('draws a three-peer exchange as lanes and arrows, a fan-out as one arrow to many, and opens a message from its arrow', async () => {
    const x = await msgRelay('flowroom', 'xavier');
    const y = await msgRelay('flowroom', 'yvonne');
    const z = await msgRelay('flowroom', 'zoe');
    x.client.sendJson({ to: y.id, text: 'x to y' });
    y.client.sendJson({ to: z.id, text: 'y to z' });
    z.client.sendJson({ to: 'group', meta_filter: '*', text: 'z to all' });
    await x.client.drain(200);
    await tab('Rooms').click();
    await page.getByRole('button', { name: /flowroom/ }).click();
    await page.getByRole('button', { name: 'Open its flow' }).click();
    const svg = page.getByRole('img', { name: 'Message flow' });
    await svg.waitFor();
    await expect.poll(async () => (await svg.locator('g.lane').evaluateAll((gs) => gs.map((g) => g.getAttribute('data-lane')))).sort()).toEqual(['relay', x.id, y.id, z.id].sort());
    const arrows = async () => svg.locator('g.arrow.kind-message').evaluateAll((gs) => gs.map((g) => [g.getAttribute('data-from'), g.getAttribute('data-to')]));
    await expect.poll(arrows).toEqual(expect.arrayContaining([[x.id, y.id], [y.id, z.id]]));
    const fanout = (await arrows()).find(([from]) => from === z.id)!;
    expect(fanout[1]!.split(' ').sort()).toEqual([x.id, y.id].sort());
    expect(await svg.locator('g.arrow.fanout').count()).toBe(1);
    expect(await svg.locator('g.mark-open').count()).toBeGreaterThanOrEqual(3);
    await shot('flow');
    await svg.locator('g.arrow.fanout .hit').dispatchEvent('click');
    const detail = page.getByRole('complementary', { name: 'Message detail' });
    await expect.poll(() => detail.getByRole('tree').innerText()).toContain('"z to all"');
    await page.getByRole('button', { name: 'Pause' }).click();
    await page.getByRole('button', { name: 'Zoom in' }).click();
    await shot('flow-detail');
    await page.getByRole('button', { name: 'Resume' }).click();
    // The room shows its members and rates.
    await tab('Rooms').click();
    await page.getByRole('button', { name: /flowroom/ }).click();
    await expect.poll(() => page.getByRole('complementary', { name: 'Room members' }).innerText()).toMatch(/Members\s+3/);
    await shot('rooms-rates');
  });

  it('filters by a clicked peer and sorts the traffic and the peers by a column', async () => {
    const a = await msgRelay('sortroom', 'sorter-a');
    const b = await msgRelay('sortroom', 'sorter-b');
    for (const n of [10, 3000, 200]) a.client.sendJson({ to: b.id, pad: 'p'.repeat(n) });
    await b.client.drain(200);
    await tab('Traffic').click();
    const list = traffic();
    await list.getByRole('button', { name: a.id }).first().click();
    await expect.poll(() => page.getByRole('textbox', { name: 'Peer' }).inputValue()).toBe(a.id);
    const messagesOnly = page.locator('label.chip', { hasText: /^message$/ });
    await messagesOnly.click();
    await expect.poll(() => list.locator('.trow').count()).toBe(3);
    await page.locator('.thead').getByRole('button', { name: 'Size' }).click();
    const sizes = async () => (await list.locator('.trow .num').allInnerTexts()).map((t) => (t.endsWith('KiB') ? parseFloat(t) * 1024 : parseFloat(t)));
    await expect.poll(sizes).toEqual([...(await sizes())].sort((p, q) => q - p));
    expect((await sizes())[0]).toBeGreaterThan(2900);
    await page.getByRole('spinbutton', { name: 'Smallest size' }).fill('1000');
    await expect.poll(() => list.locator('.trow').count()).toBe(1);
    await shot('traffic-filtered');
    await page.getByRole('spinbutton', { name: 'Smallest size' }).fill('');
    await messagesOnly.click();
    await page.getByRole('textbox', { name: 'Peer' }).fill('');

    await tab('Peers').click();
    const peers = page.getByRole('list', { name: 'Peers' });
    await page.locator('.thead').getByRole('button', { name: 'Metadata' }).click();
    const metas = async () => peers.locator('.trow > span:nth-child(4)').allInnerTexts();
    await expect.poll(async () => (await metas()).join()).toMatch(/sorter-a.*sorter-b/);
    const ascending = await metas();
    expect(ascending).toEqual([...ascending].sort((p, q) => p.localeCompare(q)));
    await page.locator('.thead').getByRole('button', { name: 'Metadata' }).click();
    await expect.poll(metas).toEqual([...ascending].reverse());
    await peers.locator('.trow', { hasText: 'sorter-a' }).click();
    const detail = page.getByRole('complementary', { name: 'Peer detail' });
    await expect.poll(() => detail.innerText()).toContain('GET /msg-relay');
    await expect.poll(() => detail.getByRole('list', { name: 'Last messages' }).locator('li').count()).toBeGreaterThanOrEqual(3);
    await shot('peer-detail');
  });

  it('keeps the composer history and saved templates across a reload', async () => {
    const c = await msgRelay('composeroom', 'carol');
    await tab('Composer').click();
    await page.getByRole('radio', { name: 'Everyone in msg-relay' }).click();
    await page.locator('#composer-payload').fill('{"msg":"kept across reloads"}');
    await page.getByRole('button', { name: /^Send to/ }).click();
    await expect.poll(async () => (await c.client.drain(50)).some((f) => f.includes('kept across reloads')), { timeout: 10_000 }).toBe(true);
    await page.getByRole('textbox', { name: 'Template name' }).fill('greeting');
    await page.getByRole('button', { name: 'Save as template' }).click();
    await page.reload();
    await page.getByRole('status', { name: 'connection open' }).waitFor();
    await tab('Composer').click();
    const history = page.getByRole('complementary', { name: 'Sent history' });
    await history.getByText('{"msg":"kept across reloads"}').waitFor();
    await page.locator('#composer-payload').fill('{}');
    await page.getByRole('combobox', { name: 'Saved templates' }).selectOption('greeting');
    expect(await page.locator('#composer-payload').inputValue()).toBe('{"msg":"kept across reloads"}');
    await shot('composer-kept');
  });
});
