import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { staticRoute } from '../../relay/http/static.js';
import { startRelay, type Running } from '../helpers/relay.js';

/** The route that serves built pages (the console, the demos) from a folder, on a real relay. */
describe('static pages under a prefix', () => {
  let relay: Running;
  let dir: string;
  let base: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'switchboard-static-'));
    writeFileSync(join(dir, 'index.html'), '<p>top</p>');
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'sub', 'index.html'), '<p>sub</p>');
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'assets', 'app-1234.js'), 'export {};');
    relay = await startRelay();
    relay.relay.server.addRoute(staticRoute({ prefix: '/site/', dir, notBuilt: 'not built\n', fallbackToIndex: false }));
    relay.relay.server.addRoute(staticRoute({ prefix: '/app/', dir, notBuilt: 'not built\n', fallbackToIndex: true }));
    relay.relay.server.addRoute(staticRoute({ prefix: '/missing/', dir: join(dir, 'nope'), notBuilt: 'run the build\n', fallbackToIndex: false }));
    base = `http://127.0.0.1:${relay.port}`;
  });

  afterAll(async () => {
    await relay?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves files with their type, hashed assets for a year and pages always fresh', async () => {
    const page = await fetch(`${base}/site/sub/`);
    expect(await page.text()).toBe('<p>sub</p>');
    expect(page.headers.get('cache-control')).toBe('no-cache');
    const asset = await fetch(`${base}/site/assets/app-1234.js`);
    expect(asset.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(asset.headers.get('cache-control')).toContain('immutable');
    const head = await fetch(`${base}/site/`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe('10');
    expect(await head.text()).toBe('');
  });

  it('redirects a folder to its trailing slash, keeping the query', async () => {
    const res = await fetch(`${base}/site/sub?x=1`, { redirect: 'manual' });
    expect(res.status).toBe(308);
    expect(res.headers.get('location')).toBe('/site/sub/?x=1');
  });

  it('answers 404, or the app with fallbackToIndex, for unknown paths, and never leaves the folder', async () => {
    expect((await fetch(`${base}/site/nope`)).status).toBe(404);
    expect(await (await fetch(`${base}/app/some/view`)).text()).toBe('<p>top</p>');
    for (const path of ['/site/..%2f..%2fetc%2fpasswd', '/site/%2e%2e/%2e%2e/etc/passwd', '/site/%E0%A4%A']) {
      const res = await fetch(base + path);
      expect(res.status).toBe(404);
    }
    expect((await fetch(`${base}/site/`, { method: 'POST' })).status).toBe(404);
  });

  it('says how to build pages that are missing', async () => {
    const res = await fetch(`${base}/missing/`);
    expect(res.status).toBe(503);
    expect(await res.text()).toBe('run the build\n');
  });
});
