import { mkdirSync, readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONSOLE_CSP } from '../../relay/console/csp.js';
import { serveConsole, type ConsoleServer } from '../../relay/console/http.js';
import { launchChromium, type Browser } from '../helpers/browser.js';
import { Client } from '../helpers/client.js';
import { startRelay, type Running } from '../helpers/relay.js';

/**
 * The browser console against a real relay, real peers and Debian's Chromium: msg-relay peers
 * in two groups and spacewar players in one room.
 */

const SHOTS = 'test-results/screenshots';

interface Joined {
  client: Client;
  id: string;
}

async function join(url: string, group: string, meta: string): Promise<Joined> {
  const client = await Client.open(`${url}/msg-relay?group=${group}&meta=${meta}`);
  for (let i = 0; i < 10; i++) {
    const m = await client.json();
    if (m.message_type === 'connection_id') return { client, id: m.connection_id as string };
  }
  throw new Error('no connection_id');
}

const SPACEWAR_ROOM = '/ws-relay/arena?game=1';

/** A spacewar player; the relay's first frame is "<id> self". */
async function play(url: string): Promise<Joined> {
  const client = await Client.open(url + SPACEWAR_ROOM);
  const [id, type] = (await client.next()).split(' ');
  expect(type).toBe('self');
  return { client, id: id! };
}

/** Frames until one passes the test (others, like presence, are skipped). */
async function until(c: Client, test: (m: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
  for (let i = 0; i < 20; i++) {
    const m = await c.json(5000);
    if (test(m)) return m;
  }
  throw new Error('no matching frame');
}

describe('the browser console', () => {
  let relay: Running;
  let consoleServer: ConsoleServer;
  let browser: Browser;
  let page: Page;
  let alice: Joined;
  let bob: Joined;
  let carol: Joined;
  let dave: Joined;
  let erin: Joined;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    relay = await startRelay();
    consoleServer = serveConsole(relay.relay);
    alice = await join(relay.url, 'lobby', 'alice');
    bob = await join(relay.url, 'lobby', 'bob');
    carol = await join(relay.url, 'arena', 'carol');
    dave = await play(relay.url);
    erin = await play(relay.url);
    expect(await erin.client.next()).toBe(`${dave.id} join`);
    expect(await dave.client.next()).toBe(`${erin.id} join`);
    browser = await launchChromium();
    page = await browser.context.newPage();
  }, 30_000);

  afterAll(async () => {
    await browser?.close();
    for (const p of [alice, bob, carol, dave, erin]) await p?.client.close();
    consoleServer?.stop();
    await relay?.stop();
  });

  const tab = (name: string) => page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name, exact: true });
  const shot = (name: string) => page.screenshot({ path: `${SHOTS}/${name}.png` });

  it('refuses a wrong token and says why', async () => {
    await page.goto(consoleServer.url().replace(/#token=.*/, '#token=wrong'));
    await expect.poll(() => page.getByText('This console needs its token').count(), { timeout: 10_000 }).toBe(1);
    await shot('unauthorized');
  });

  it('opens on the Overview with the listeners and the peers by protocol', async () => {
    await page.goto('about:blank');
    await page.goto(consoleServer.url());
    await page.getByRole('status', { name: 'connection open' }).waitFor();
    await page.getByText(relay.url + '/').first().waitFor();
    await expect.poll(() => page.locator('.tile').first().innerText()).toContain('5');
    // Let a few stats ticks draw the charts.
    alice.client.sendJson({ to: 'group', meta_filter: '*', text: 'warm-up' });
    await page.waitForTimeout(2500);
    await shot('overview');
    await page.emulateMedia({ colorScheme: 'dark' });
    await shot('overview-dark');
    await page.emulateMedia({ colorScheme: 'light' });
  });

  it('shares the relay on the LAN and back, and stays connected', async () => {
    await page.getByRole('button', { name: 'Share on LAN' }).click();
    await page.getByRole('button', { name: 'Stop sharing on LAN' }).waitFor();
    expect(relay.relay.config.host).toBe('0.0.0.0');
    expect(relay.relay.listeners[0]!.port).toBe(relay.port);
    await page.getByText(/Shared on the LAN/).waitFor();
    await page.getByRole('button', { name: 'Stop sharing on LAN' }).click();
    await page.getByRole('button', { name: 'Share on LAN' }).waitFor();
    expect(relay.relay.config.host).toBe('127.0.0.1');
    await page.getByRole('status', { name: 'connection open' }).waitFor();
  });

  it('lists the peers with search and a detail panel', async () => {
    await tab('Peers').click();
    const list = page.getByRole('list', { name: 'Peers' });
    for (const p of [alice, bob, carol]) await list.getByText(p.id).waitFor();
    await page.keyboard.press('/');
    await page.keyboard.type('carol');
    await expect.poll(() => list.locator('.trow').count()).toBe(1);
    await list.getByText(carol.id).click();
    await page.getByRole('complementary', { name: 'Peer detail' }).getByText('arena', { exact: true }).first().waitFor();
    await page.keyboard.press('/');
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Backspace');
    await expect.poll(() => list.locator('.trow').count()).toBe(5);
    await page.getByLabel('Protocol').selectOption('spacewar');
    await expect.poll(() => list.locator('.trow').count()).toBe(2);
    await list.getByText(SPACEWAR_ROOM).first().waitFor();
    await page.getByLabel('Protocol').selectOption('');
    await shot('peers');
  });

  it('shows the rooms and their members', async () => {
    await tab('Rooms').click();
    await page.getByRole('button', { name: /lobby/ }).click();
    const members = page.getByRole('list', { name: 'Members' });
    await members.getByText(alice.id).waitFor();
    await members.getByText(bob.id).waitFor();
    await page.getByRole('button', { name: /arena/ }).first().waitFor();
    await page.getByRole('button', { name: new RegExp(SPACEWAR_ROOM.replace(/[?]/g, '\\?')) }).click();
    await members.getByText(dave.id, { exact: true }).waitFor();
    await members.getByText(erin.id, { exact: true }).waitFor();
    await shot('rooms');
  });

  it('tails the traffic and shows a message in detail', async () => {
    await tab('Traffic').click();
    alice.client.sendJson({ to: bob.id, text: 'hello bob from alice' });
    await until(bob.client, (m) => m.text === 'hello bob from alice');
    const list = page.getByRole('list', { name: 'Traffic' });
    dave.client.send('* report {"x":12,"y":34}');
    expect(await erin.client.next()).toBe(`${dave.id} report {"x":12,"y":34}`);
    await list.getByText('* report {"x":12,"y":34}').first().waitFor();
    await list.getByText('hello bob from alice').first().click();
    const detail = page.getByRole('complementary', { name: 'Message detail' });
    await expect.poll(() => detail.getByRole('tree', { name: 'JSON tree' }).innerText()).toMatch(/text:\s*"hello bob from alice"/);
    await shot('traffic');

    // Paused, nothing new is listed; resumed, it is.
    await page.locator('body').click({ position: { x: 5, y: 600 } });
    await page.keyboard.press('Space');
    await page.getByRole('button', { name: /^Resume/ }).waitFor();
    await page.keyboard.press('?');
    await page.getByRole('dialog', { name: 'Keyboard shortcuts' }).waitFor();
    await shot('shortcuts');
    await page.keyboard.press('Escape');
    expect(await page.getByRole('dialog').count()).toBe(0);
    alice.client.sendJson({ to: bob.id, text: 'while paused' });
    await until(bob.client, (m) => m.text === 'while paused');
    await page.getByRole('button', { name: 'Resume (1 new)' }).waitFor();
    expect(await list.getByText('while paused').count()).toBe(0);
    await page.getByRole('button', { name: /^Resume/ }).click();
    alice.client.sendJson({ to: bob.id, text: 'after resume' });
    await list.getByText('after resume').first().waitFor();

    // Export writes what is shown, oldest first, one JSON record a line.
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Export' }).click();
    const file = await (await download).path();
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as { seq: number; preview: string });
    expect(lines.some((r) => r.preview.includes('hello bob from alice'))).toBe(true);
    expect(lines.map((r) => r.seq)).toEqual([...lines.map((r) => r.seq)].sort((a, b) => a - b));
  });

  it("shows the relay's own replies in the traffic: connection_id, list_peers and pong", async () => {
    const list = page.getByRole('list', { name: 'Traffic' });
    const relayRows = (text: string) => list.locator('.trow.kind-relay').filter({ hasText: text });
    await tab('Traffic').click();
    const idRows = await relayRows('"message_type":"connection_id"').count();
    alice.client.sendJson({ to: 'host', command: 'connection_id' });
    await until(alice.client, (m) => m.message_type === 'connection_id');
    alice.client.sendJson({ to: 'host', command: 'list_peers', meta_filter: 'b*' });
    const listed = await until(alice.client, (m) => m.message_type === 'peer_list');
    expect(listed.peer_list).toEqual([{ connection_id: bob.id, peer_meta: 'bob' }]);
    alice.client.send('ping');
    await expect.poll(() => relayRows('"message_type":"connection_id"').count()).toBe(idRows + 1);
    const peerList = relayRows(`"peer_list":[{"connection_id":"${bob.id}","peer_meta":"bob"}]`);
    await peerList.waitFor();
    expect(await peerList.innerText()).toContain(alice.id);
    await list.locator('.trow.kind-relay .preview').getByText('pong', { exact: true }).waitFor();
    await peerList.click();
    await expect.poll(() => page.getByRole('complementary', { name: 'Message detail' }).getByRole('tree').innerText()).toMatch(/message_type:\s*"peer_list"/);
    await shot('traffic-replies');
  });

  it('sends from the Composer to one peer, who receives it', async () => {
    await tab('Composer').click();
    await page.getByRole('radio', { name: 'One peer' }).click();
    const bobKey = [...relay.relay.hub.peers()].find((p) => p.id === bob.id)!.key;
    await page.getByLabel('Peer', { exact: true }).selectOption(bobKey);
    await page.getByLabel('Payload').fill('{"text": "hello from the console"');
    await page.getByText(/^Not valid JSON/).waitFor();
    await page.getByLabel('Payload').fill('{"text": "hello from the console"}');
    await page.getByRole('button', { name: /^Send to peer/ }).click();
    const got = await until(bob.client, (m) => m.text === 'hello from the console');
    expect(got).toMatchObject({ from: 'host', to: bob.id, message_type: 'peer_communication' });
    await page.getByRole('status').filter({ hasText: 'Sent to 1 peer.' }).waitFor();
    await shot('composer');
  });

  it('sends from the Composer to everyone in a spacewar room', async () => {
    await page.getByLabel('Protocol').selectOption('spacewar');
    await page.getByRole('radio', { name: /room/i }).click();
    await page.getByLabel('Room', { exact: true }).fill(SPACEWAR_ROOM);
    await page.getByLabel('Payload').fill('announce round two');
    await page.getByRole('button', { name: /^Send to room/ }).click();
    expect(await dave.client.next()).toBe('0 announce round two');
    expect(await erin.client.next()).toBe('0 announce round two');
    await page.getByRole('status').filter({ hasText: 'Sent to 2 peers.' }).waitFor();
  });

  it('kicks a peer with a code and a reason, and logs it', async () => {
    await tab('Peers').click();
    await page.getByRole('list', { name: 'Peers' }).getByText(carol.id).click();
    const detail = page.getByRole('complementary', { name: 'Peer detail' });
    await detail.getByLabel('Close code').fill('4321');
    await detail.getByLabel('Close reason').fill('removed in the e2e test');
    await detail.getByRole('button', { name: 'Kick' }).click();
    expect(await carol.client.closed).toEqual({ code: 4321, reason: 'removed in the e2e test' });
    await tab('Log').click();
    await page.getByRole('list', { name: 'Log' }).getByText(/closed by relay: 4321 removed in the e2e test/).waitFor();
    await shot('log');
  });

  it('edits the settings: #settings opens them, a bad key is named, later keys say so, Share on LAN binds at once', async () => {
    await page.goto('about:blank');
    await page.goto(consoleServer.url().replace('#token=', '#settings&token='));
    await page.getByRole('heading', { name: 'Settings', exact: true }).waitFor();
    expect(await tab('Settings').getAttribute('aria-current')).toBe('page');
    // Every key of the schema has its field, secrets hidden.
    expect(await page.getByLabel('channelstreamSecret', { exact: true }).getAttribute('type')).toBe('password');
    await expect.poll(() => page.getByLabel('port', { exact: true }).inputValue()).toBe(String(relay.relay.config.port));

    await page.getByLabel('maxQueueBytes', { exact: true }).fill('lots');
    await page.getByRole('button', { name: /^Save 1 change/ }).click();
    await expect.poll(() => page.getByRole('alert').innerText()).toContain('key "maxQueueBytes"');
    await page.getByRole('button', { name: 'Discard' }).click();

    await page.getByLabel('msgRelayDefaultGroup', { exact: true }).fill('ops');
    await page.getByRole('button', { name: /^Save 1 change/ }).click();
    await page.getByText('Applies at the next start: msgRelayDefaultGroup.').waitFor();
    expect(relay.relay.config.msgRelayDefaultGroup).toBe('ops');
    await page.getByLabel('Pending until restart').waitFor();

    const share = page.getByRole('checkbox', { name: 'Share on LAN' });
    await share.click();
    await expect.poll(() => relay.relay.listeners[0]!.host).toBe('0.0.0.0');
    await expect.poll(() => share.isChecked()).toBe(true);
    await page.getByText('The listeners moved; open connections stay.').waitFor();
    // Shared, channelstream signs with a generated secret, not the original's "secret"; Settings show it on request.
    const secret = page.getByLabel('channelstreamSecret', { exact: true });
    await page.getByRole('button', { name: 'Show channelstreamSecret' }).click();
    expect(await secret.getAttribute('type')).toBe('text');
    expect(relay.relay.config.channelstreamSecret).not.toBe('secret');
    await expect.poll(() => secret.inputValue()).toBe(relay.relay.config.channelstreamSecret);
    await shot('settings');
    await share.click();
    await expect.poll(() => relay.relay.listeners[0]!.host).toBe('127.0.0.1');
    await page.getByLabel('msgRelayDefaultGroup', { exact: true }).fill('kk');
    await page.getByRole('button', { name: /^Save 1 change/ }).click();
    await expect.poll(() => relay.relay.config.msgRelayDefaultGroup).toBe('kk');

    // The nav reaches it too, and the fragment follows the view.
    await tab('Overview').click();
    expect(new URL(page.url()).hash).toMatch(/^#overview&token=/);
    await tab('Settings').click();
    await page.getByRole('heading', { name: 'Settings', exact: true }).waitFor();
    // Some twenty browser round trips and two listener moves: the default 20 s is too short for them when the whole suite shares two cores.
  }, 60_000);

  it('fits a small window', async () => {
    await page.setViewportSize({ width: 1024, height: 680 });
    await tab('Overview').click();
    await page.getByRole('heading', { name: 'Listeners' }).waitFor();
    const overflow = await page.evaluate('document.documentElement.scrollWidth > document.documentElement.clientWidth');
    expect(overflow).toBe(false);
    await shot('overview-small');
    await tab('Peers').click();
    await shot('peers-small');
  });

  it('is served with its Content-Security-Policy, and no page can frame it', async () => {
    const res = await fetch(consoleServer.url());
    expect(res.headers.get('content-security-policy')).toBe(CONSOLE_CSP);
    expect(CONSOLE_CSP).toContain("frame-ancestors 'none'");
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    // The console above ran under this policy (its API socket included); here a page tries to frame it.
    const framing = await browser.context.newPage();
    await framing.setContent(`<iframe src="${consoleServer.url()}"></iframe>`);
    const frame = await (await framing.waitForSelector('iframe')).contentFrame();
    await expect.poll(() => frame?.url()).toBe('chrome-error://chromewebdata/');
    await framing.close();
  });
});
