// "Share on LAN": the addresses and QR codes, checked by rendering the page in real Chromium and
// reading the codes back with zbarimg (Debian's zbar-tools).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lanShare, sharePage, type ShareAddress } from '../../relay/console/share.js';
import { reachableHosts, type ListenerInfo } from '../../relay/http/server.js';
import { startRelay } from '../helpers/relay.js';

const listener = (host: string, urls: string[]): ListenerInfo => ({ host, port: 8765, main: true, protocols: ['msg-relay'], urls });
const consoleUrl = (origin: string): string => `${origin}/console/?token=t0k3n`;

let profile: string;
let browser: BrowserContext;

beforeAll(async () => {
  profile = mkdtempSync(join(tmpdir(), 'switchboard-share-'));
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

afterAll(async () => {
  await browser?.close();
  rmSync(profile, { recursive: true, force: true });
});

/** What a phone camera would read from each QR code on the page, top to bottom. */
async function scan(html: string): Promise<string[]> {
  const page = await browser.newPage();
  try {
    await page.setContent(html);
    const codes: string[] = [];
    for (const [i, qr] of (await page.locator('.qr svg').all()).entries()) {
      const png = join(profile, `qr${i}.png`);
      await qr.screenshot({ path: png });
      codes.push(execFileSync('zbarimg', ['--quiet', '--raw', png], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
    }
    return codes;
  } finally {
    await page.close();
  }
}

describe('share on LAN', () => {
  it('lists every LAN address with its client and console URLs, and skips loopback', async () => {
    const shared = await lanShare(listener('0.0.0.0', ['ws://127.0.0.1:8765/', 'ws://192.0.2.2:8765/', 'ws://198.51.100.7:8765/']), consoleUrl);
    expect(shared.map(({ qrSvg: _, ...rest }) => rest)).toEqual([
      { host: '192.0.2.2', wsUrl: 'ws://192.0.2.2:8765/', consoleUrl: 'http://192.0.2.2:8765/console/?token=t0k3n' },
      { host: '198.51.100.7', wsUrl: 'ws://198.51.100.7:8765/', consoleUrl: 'http://198.51.100.7:8765/console/?token=t0k3n' },
    ]);
    expect(await lanShare(listener('127.0.0.1', ['ws://127.0.0.1:8765/']), consoleUrl)).toEqual([]);
  });

  it('draws QR codes a phone reads back as the console URLs', async () => {
    const shared = await lanShare(listener('0.0.0.0', ['ws://192.0.2.2:8765/', 'ws://198.51.100.7:8765/']), consoleUrl);
    expect(shared[0]!.qrSvg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    expect(await scan(sharePage(shared))).toEqual(['http://192.0.2.2:8765/console/?token=t0k3n', 'http://198.51.100.7:8765/console/?token=t0k3n']);
  });

  it('makes a page that runs nothing and escapes what it shows', async () => {
    const hostile: ShareAddress = { host: '<b>x</b>', wsUrl: 'ws://"x"/', consoleUrl: "http://x/?a=<script>alert('x')</script>", qrSvg: '<svg></svg>' };
    const page = sharePage([hostile]);
    expect(page).toContain(`content="default-src 'none'; style-src 'unsafe-inline'; img-src data:"`);
    expect(page).not.toContain('<script');
    expect(page).toContain('&lt;b&gt;x&lt;/b&gt;');
    expect(page).toContain('http://x/?a=&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;');
    expect(sharePage([])).toContain('no LAN address');
  });

  it("shares a real relay bound to every interface at each of this machine's LAN addresses", async () => {
    const relay = await startRelay({ host: '0.0.0.0' });
    try {
      const shared = await lanShare(relay.relay.listeners[0]!, consoleUrl);
      const lan = reachableHosts('0.0.0.0').filter((h) => h !== '127.0.0.1');
      expect(shared.map((a) => a.wsUrl)).toEqual(lan.map((h) => `ws://${h}:${relay.port}/`));
    } finally {
      await relay.stop();
    }
  });
});
