import { mkdirSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveConsole, type ConsoleServer } from '../../relay/console/http.js';
import { launchChromium, type Browser } from '../helpers/browser.js';
import { startRelay, type Running } from '../helpers/relay.js';

/**
 * The demos at /demo/ in Debian's Chromium against a real relay: the chat over msg-relay and the
 * game over spacewar, several pages at once, each page a separate client of the relay.
 */

const SHOTS = 'test-results/screenshots';
const PHONE = { width: 390, height: 844 };

describe('the demos', () => {
  let relay: Running;
  let consoleServer: ConsoleServer;
  let browser: Browser;
  let base: string;
  const pages: Page[] = [];

  const open = async (path: string): Promise<Page> => {
    const page = await browser.context.newPage();
    pages.push(page);
    await page.goto(base + path);
    return page;
  };

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    relay = await startRelay();
    consoleServer = serveConsole(relay.relay);
    base = `http://127.0.0.1:${relay.port}`;
    browser = await launchChromium();
  }, 30_000);

  afterAll(async () => {
    await browser?.close();
    consoleServer?.stop();
    await relay?.stop();
  });

  it('are served at /demo/, each demo in its own folder, and nothing outside it', async () => {
    const index = await fetch(`${base}/demo/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = await index.text();
    expect(html).toContain('href="./chat/"');
    expect(html).toContain('href="./game/"');
    const bare = await fetch(`${base}/demo/chat?room=x`, { redirect: 'manual' });
    expect(bare.status).toBe(308);
    expect(bare.headers.get('location')).toBe('/demo/chat/?room=x');
    expect((await fetch(`${base}/demo`, { redirect: 'manual' })).headers.get('location')).toBe('/demo/');
    expect((await fetch(`${base}/demo/game/`)).status).toBe(200);
    expect((await fetch(`${base}/demo/nothing-here.js`)).status).toBe(404);
    const escape = await fetch(`${base}/demo/..%2f..%2fpackage.json`);
    expect(escape.status).toBe(404);
    expect(await escape.text()).not.toContain('"name": "switchboard"');
  });

  it("are linked from the console's Overview", async () => {
    const page = await browser.context.newPage();
    pages.push(page);
    await page.goto(consoleServer.url());
    await page.locator('a[href="/demo/"]').first().click();
    await page.waitForURL(`${base}/demo/`);
    await page.getByRole('link', { name: /Chat/ }).waitFor();
    await page.screenshot({ path: `${SHOTS}/demo-index.png` });
  });

  describe('chat', () => {
    const joinChat = async (nick: string, room: string): Promise<Page> => {
      const page = await open('/demo/chat/');
      await page.getByLabel('Nickname').fill(nick);
      await page.getByLabel('Room').fill(room);
      await page.getByRole('button', { name: 'Join' }).click();
      await page.locator('#status[data-state="open"]').waitFor();
      return page;
    };
    const members = (page: Page) => page.locator('#members li').allInnerTexts();
    const messages = (page: Page) => page.locator('#messages .msg').allInnerTexts();
    const say = async (page: Page, text: string): Promise<void> => {
      await page.getByRole('textbox', { name: 'Message' }).fill(text);
      await page.getByRole('button', { name: 'Send' }).click();
    };

    it('shows who is in the room and carries messages within it, and only within it', async () => {
      const alice = await joinChat('Alice', 'kitchen');
      const bob = await joinChat('bob', 'kitchen');
      const carol = await joinChat('carol', 'garden');

      // Alice learns of Bob by peer_connect, Bob of Alice by list_peers; nicknames are lowercased like the relay's metadata.
      await expect.poll(() => members(alice)).toEqual(['alice (you)', 'bob']);
      await expect.poll(() => members(bob)).toEqual(['bob (you)', 'alice']);
      await expect.poll(() => members(carol)).toEqual(['carol (you)']);
      expect(new URL(bob.url()).searchParams.get('room')).toBe('kitchen');

      await say(carol, 'anyone in the garden?');
      await carol.locator('.msg.mine').waitFor();
      await say(alice, 'hello from alice');
      await bob.locator('.msg[data-from="alice"]').waitFor();
      await say(bob, 'hi alice');
      await alice.locator('.msg[data-from="bob"]').waitFor();

      const [first, reply] = await bob.locator('#messages .msg').all();
      expect(await first!.locator('.who').innerText()).toBe('alice');
      expect(await first!.locator('time').innerText()).toMatch(/\d{1,2}[:.]\d{2}/);
      expect(await reply!.getAttribute('class')).toBe('msg mine');
      expect((await messages(alice)).map((m) => m.split('\n').pop())).toEqual(['hello from alice', 'hi alice']);
      expect(await messages(carol)).toHaveLength(1);
      for (const page of [alice, bob]) expect(await page.locator('#messages').innerText()).not.toContain('garden');

      await alice.screenshot({ path: `${SHOTS}/demo-chat.png` });
      await bob.setViewportSize(PHONE);
      await bob.screenshot({ path: `${SHOTS}/demo-chat-phone.png` });

      await bob.getByRole('button', { name: 'Leave' }).click();
      await expect.poll(() => members(alice)).toEqual(['alice (you)']);
      await alice.getByText('bob left').waitFor();
      await bob.getByRole('button', { name: 'Join' }).waitFor();
      await bob.screenshot({ path: `${SHOTS}/demo-chat-join-phone.png` });
    });
  });

  describe('game', () => {
    const selfId = async (page: Page): Promise<string> => {
      const row = page.locator('#players li[data-self]');
      await row.waitFor();
      return (await row.getAttribute('data-player-id'))!;
    };
    const position = async (page: Page, id: string): Promise<string> => {
      const row = page.locator(`#players li[data-player-id="${id}"]`);
      return `${await row.getAttribute('data-x')},${await row.getAttribute('data-y')}`;
    };

    it('shows players join, move and leave, in a room named by the page URL', async () => {
      const one = await open('/demo/game/?room=duel');
      const two = await open('/demo/game/?room=duel');
      const elsewhere = await open('/demo/game/?room=other');
      const [idOne, idTwo, idElsewhere] = [await selfId(one), await selfId(two), await selfId(elsewhere)];
      // Ids count from 1 in each room, as the original relay's do.
      expect([idOne, idTwo, idElsewhere]).toEqual(['1', '2', '1']);
      expect(await one.locator('#room-name').innerText()).toBe('duel');

      // Each sees the other's ship once its first report arrives.
      const twoSeenByOne = one.locator(`#players li[data-player-id="${idTwo}"][data-x]`);
      await twoSeenByOne.waitFor();
      await two.locator(`#players li[data-player-id="${idOne}"][data-x]`).waitFor();
      const before = await position(one, idTwo);
      expect(before).toBe(await position(two, idTwo));

      await two.bringToFront();
      await two.keyboard.down('ArrowUp');
      await expect.poll(() => position(one, idTwo), { timeout: 10_000 }).not.toBe(before);
      await two.keyboard.up('ArrowUp');
      await two.keyboard.press('Space');
      await one.screenshot({ path: `${SHOTS}/demo-game.png` });
      await one.setViewportSize(PHONE);
      await one.screenshot({ path: `${SHOTS}/demo-game-phone.png` });

      expect(await elsewhere.locator('#players li').count()).toBe(1);

      // On a phone the pad flies the ship: hold thrust (a pointer press, as a finger's) on player one.
      const oneBefore = await position(two, idOne);
      await one.bringToFront();
      await one.getByRole('button', { name: 'Thrust' }).hover();
      await one.mouse.down();
      await expect.poll(() => position(two, idOne), { timeout: 10_000 }).not.toBe(oneBefore);
      await one.mouse.up();

      await two.close();
      await expect.poll(() => one.locator(`#players li[data-player-id="${idTwo}"]`).count()).toBe(0);
      await one.getByText(`P${idTwo} left`).waitFor();
    });
  });
});
