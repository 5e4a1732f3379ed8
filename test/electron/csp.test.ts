// The console window's Content-Security-Policy, enforced by real Chromium: the app:// handler's
// responses are served over loopback HTTP (where 'self' means the same thing) and a page tries
// what an injected script would.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveBundle } from '../../electron/main/scheme.js';

let dir: string;
let server: Server;
let browser: BrowserContext;
let origin: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'switchboard-csp-'));
  const bundle = join(dir, 'console');
  mkdirSync(join(bundle, 'assets'), { recursive: true });
  writeFileSync(
    join(bundle, 'index.html'),
    `<!doctype html><html><head>
<script src="./assets/watch.js"></script>
<script>window.inlineRan = true;</script>
<script type="module" src="./assets/app.js"></script>
</head><body><div id="styled" style="color: rgb(1, 2, 3)">x</div><img src="http://127.0.0.2:9/x.png"></body></html>`,
  );
  writeFileSync(
    join(bundle, 'assets/watch.js'),
    `window.violations = []; document.addEventListener('securitypolicyviolation', (e) => window.violations.push(e.effectiveDirective));`,
  );
  writeFileSync(
    join(bundle, 'assets/app.js'),
    `window.bundleRan = true;
try { eval('1'); window.evalRan = true; } catch { window.evalRan = false; }
window.fetched = fetch('http://127.0.0.2:9/').then(() => 'fetched', () => 'refused');`,
  );
  server = createServer((req, res) => {
    void serveBundle(bundle, new Request(`app://switchboard${req.url}`)).then(async (r) => {
      res.writeHead(r.status, Object.fromEntries(r.headers));
      res.end(Buffer.from(await r.arrayBuffer()));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await chromium.launchPersistentContext(join(dir, 'profile'), {
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

afterAll(async () => {
  await browser?.close();
  server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("the console window's CSP", () => {
  it('runs the bundle and nothing else: no inline script, no eval, no requests or images from elsewhere', async () => {
    const page = await browser.newPage();
    await page.goto(`${origin}/console/`);
    await page.waitForFunction('window.bundleRan === true', null, { timeout: 5000 });
    // Page code as text: this project's TypeScript has no DOM types.
    const seen = await page.evaluate(`(async () => {
      const fetched = await window.fetched;
      const img = document.querySelector('img');
      if (!img.complete) await new Promise((r) => img.addEventListener('error', r, { once: true }));
      return { inlineRan: window.inlineRan, evalRan: window.evalRan, fetched, violations: [...new Set(window.violations)].sort() };
    })()`);
    expect(seen).toEqual({
      inlineRan: undefined,
      evalRan: false,
      fetched: 'refused',
      violations: ['connect-src', 'img-src', 'script-src', 'script-src-elem'],
    });
    expect(await page.evaluate("getComputedStyle(document.getElementById('styled')).color")).toBe('rgb(1, 2, 3)');
    await page.close();
  });
});
