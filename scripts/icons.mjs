#!/usr/bin/env node
// Renders build/icon.svg to the PNGs electron-builder packs (build/icons/NxN.png) with the
// system's Chromium. Run after changing the SVG, and commit the PNGs.
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const build = join(dirname(fileURLToPath(import.meta.url)), '..', 'build');
const svg = readFileSync(join(build, 'icon.svg'), 'utf8');
const profile = mkdtempSync(join(tmpdir(), 'switchboard-icons-'));
const browser = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const page = await browser.newPage();
  mkdirSync(join(build, 'icons'), { recursive: true });
  for (const size of [512, 256]) {
    await page.setViewportSize({ width: size, height: size });
    await page.setContent(`<body style="margin:0;background:transparent">${svg.replace('width="512" height="512"', `width="${size}" height="${size}"`)}</body>`);
    await page.screenshot({ path: join(build, 'icons', `${size}x${size}.png`), omitBackground: true });
    process.stdout.write(`build/icons/${size}x${size}.png\n`);
  }
} finally {
  await browser.close();
  rmSync(profile, { recursive: true, force: true });
}
