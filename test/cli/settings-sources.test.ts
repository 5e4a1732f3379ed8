// `switchboard serve` with settings from the environment and flags, and the browser console it
// prints, in Debian's Chromium: Settings says which values came from where; an unknown
// SWITCHBOARD_* variable is a warning and the relay serves.
import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, type Browser } from '../helpers/browser.js';
import { runCli, type Spawned } from '../helpers/process.js';

let relay: Spawned;
let browser: Browser;
let consoleUrl: string;

beforeAll(async () => {
  relay = runCli(['serve', '--port', '0', '--max-rooms', '70'], { SWITCHBOARD_MSG_RELAY_DEFAULT_GROUP: 'fromenv', SWITCHBOARD_MAX_ROOM: '5' });
  [, consoleUrl] = (await relay.waitFor(/console (http:\/\/127\.0\.0\.1:\d+\/console\/#token=\S+)/)) as unknown as [string, string];
  browser = await launchChromium();
}, 30_000);

afterAll(async () => {
  await browser?.close();
  relay?.child.kill('SIGTERM');
  await relay?.exited;
});

describe('settings from the environment and flags', () => {
  it('warns of an unknown SWITCHBOARD_* variable, naming the nearest known one, and serves', () => {
    expect(relay.output()).toMatch(/unknown environment variable "SWITCHBOARD_MAX_ROOM" is ignored \(did you mean SWITCHBOARD_MAX_ROOMS\?\)/);
    expect(relay.child.exitCode).toBeNull();
  });

  it("are marked in the console's Settings with the variable or flag that set them", async () => {
    const page = await browser.context.newPage();
    await page.goto(consoleUrl.replace('#token=', '#settings&token='));
    await page.getByRole('heading', { name: 'Settings', exact: true }).waitFor();
    const field = (key: string) => page.locator('.setting', { has: page.locator('code', { hasText: new RegExp(`^${key}$`) }) });
    await expect.poll(() => field('msgRelayDefaultGroup').locator('.tag').allInnerTexts()).toContain('from SWITCHBOARD_MSG_RELAY_DEFAULT_GROUP');
    expect(await field('maxRooms').locator('.tag').allInnerTexts()).toContain('from --max-rooms');
    expect(await field('port').locator('.tag').allInnerTexts()).toContain('from --port');
    expect(await field('host').locator('.tag').allInnerTexts()).not.toContainEqual(expect.stringMatching(/^from /));
    expect(await field('msgRelayDefaultGroup').locator('input').inputValue()).toBe('fromenv');
    mkdirSync('test-results/screenshots', { recursive: true });
    await page.screenshot({ path: 'test-results/screenshots/settings-sources.png' });
    await page.close();
  });
});
