// The desktop main process with only the `electron` module replaced: a real relay with its real
// console service (serveConsole), real sockets, real HTTP, real settings files in a temp folder.
import { mkdtempSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Desktop, SETTINGS_FILE, type ConsoleFactory } from '../../electron/main/desktop.js';
import { CONSOLE_CSP as CSP } from '../../relay/console/csp.js';
import { createBridge } from '../../electron/preload/bridge.js';
import { serveConsole, type ConsoleServer } from '../../relay/console/http.js';
import type { ConsoleEvent, ConsoleServerFrame, Snapshot } from '../../relay/console/types.js';
import { reachableHosts } from '../../relay/http/server.js';
import { Client } from '../helpers/client.js';
import * as electron from '../helpers/fake-electron.js';
import { freePort } from '../helpers/port.js';

vi.mock('electron', () => import('../helpers/fake-electron.js'));

let dir: string;
let userData: string;
let rendererDir: string;
let desktop: Desktop | undefined;
let server: ConsoleServer | undefined;
const clients: Client[] = [];

const GENERATED_SECRETS = { channelstreamSecret: expect.stringMatching(/^[\w-]{32}$/), channelstreamAdminSecret: expect.stringMatching(/^[\w-]{32}$/) };

/** The real console, serving the test's console bundle; short batches so events come soon. */
const realConsole: ConsoleFactory = (relay, options) => (server = serveConsole(relay, { staticDir: rendererDir, batchMs: 10, ...options }));

/** How the app is launched: its command line after the app's own arguments, its environment, packaged or not. */
interface Launch {
  argv?: string[];
  env?: NodeJS.ProcessEnv;
  development?: boolean;
}

/** What the app printed to its terminal. */
let printed: string[] = [];

const options = (createConsole: ConsoleFactory, launch: Launch = {}, preloadPath = '/app/out/preload/index.cjs') => ({
  rendererDir,
  preloadPath,
  createConsole,
  argv: launch.argv ?? [],
  env: launch.env ?? {},
  development: launch.development ?? false,
  print: (line: string) => printed.push(line),
});

async function start(settings?: Record<string, unknown>, createConsole: ConsoleFactory = realConsole, launch: Launch = {}): Promise<Desktop> {
  if (settings) writeFileSync(join(userData, SETTINGS_FILE), JSON.stringify(settings));
  desktop = await Desktop.start(options(createConsole, launch));
  if (!desktop) throw new Error(`desktop did not start: ${JSON.stringify(electron.dialog.errors)}`);
  return desktop;
}

function port(d: Desktop): number {
  return d.relay.listeners.find((l) => l.main)!.port;
}

async function client(d: Desktop, path = '/'): Promise<Client> {
  const c = await Client.open(`ws://127.0.0.1:${port(d)}${path}`);
  clients.push(c);
  return c;
}

function stored(): Record<string, unknown> {
  return JSON.parse(readFileSync(join(userData, SETTINGS_FILE), 'utf8')) as Record<string, unknown>;
}

/** Waits, bounded, for something a background menu action or a service batch does. */
async function until(what: string, ok: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !ok(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!ok()) throw new Error(`timed out waiting for ${what}`);
}

/** The window's console bridge, with every event it gets. */
function windowBridge(win = electron.BrowserWindow.all[0]!) {
  const bridge = createBridge(electron.rendererIpc(win));
  const events: ConsoleEvent[] = [];
  const off = bridge.onEvent((e) => events.push(e));
  const of = <T extends ConsoleEvent['type']>(type: T) => events.filter((e): e is Extract<ConsoleEvent, { type: T }> => e.type === type);
  return { bridge, events, off, of };
}

/** One request to the browser console's WebSocket API, as the browser console makes it. */
async function consoleApi(url: string, op: string, params: object): Promise<unknown> {
  const c = await Client.open(url);
  clients.push(c);
  c.sendJson({ id: 1, op, params });
  for (let i = 0; i < 100; i++) {
    const frame = await c.json<ConsoleServerFrame>();
    if ('id' in frame) {
      if ('error' in frame) throw new Error(frame.error);
      return frame.result;
    }
  }
  throw new Error(`no answer to ${op}`);
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'switchboard-desktop-'));
  userData = join(dir, 'userData');
  rendererDir = join(dir, 'console');
  mkdirSync(userData);
  mkdirSync(join(rendererDir, 'assets'), { recursive: true });
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><script type="module" src="./assets/app.js"></script>');
  writeFileSync(join(rendererDir, 'assets/app.js'), 'console.log("console");');
  electron.reset(userData);
  printed = [];
});

afterEach(async () => {
  for (const c of clients.splice(0)) await c.close();
  await desktop?.stop();
  desktop = undefined;
  server = undefined;
  rmSync(dir, { recursive: true, force: true });
});

describe('desktop main process', () => {
  it('starts the relay with the stored settings and opens one locked-down console window', async () => {
    const d = await start({ port: 0, msgRelayDefaultGroup: 'lab' });
    expect(d.relay.config.msgRelayDefaultGroup).toBe('lab');
    expect(d.relay.listeners[0]!.host).toBe('127.0.0.1');
    await client(d);
    expect([...d.relay.hub.peers()].map((p) => [...p.rooms])).toEqual([['lab']]);

    expect(electron.BrowserWindow.all).toHaveLength(1);
    const win = electron.BrowserWindow.all[0]!;
    expect(win.webContents.url).toBe('app://switchboard/console/');
    expect(win.options.webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      preload: '/app/out/preload/index.cjs',
    });
    expect(win.webContents.openHandler!({ url: 'https://example.com/' })).toEqual({ action: 'deny' });
    expect(electron.shell.opened).toEqual(['https://example.com/']);
    let allowed: boolean | undefined;
    electron.session.defaultSession.permissionHandler!(win.webContents, 'media', (ok) => (allowed = ok), { isMainFrame: true, requestingUrl: 'app://switchboard/console/' });
    expect(allowed).toBe(false);
    expect(menuBar()).toEqual(['File', 'Edit', 'View', 'Help']);
  });

  it('serves the console bundle at app://switchboard/console/ with a strict CSP, and nothing outside it', async () => {
    await start({ port: 0 });
    expect(electron.protocol.privileged).toEqual([{ scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
    const handler = electron.protocol.handlers.get('app')!;
    const index = await handler(new Request('app://switchboard/console/'));
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(index.headers.get('content-security-policy')).toBe(CSP);
    expect(CSP).toContain("script-src 'self'");
    expect(CSP).not.toContain('unsafe-eval');
    expect(await index.text()).toContain('./assets/app.js');
    const script = await handler(new Request('app://switchboard/console/assets/app.js'));
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await script.text()).toBe('console.log("console");');
    writeFileSync(join(dir, 'secret.txt'), 'secret');
    for (const url of ['app://switchboard/console/%2e%2e/secret.txt', 'app://switchboard/../secret.txt', 'app://other/console/', 'app://switchboard/missing.js']) {
      const res = await handler(new Request(url));
      expect(res.status, url).toBe(404);
      expect(await res.text()).toBe('Not found');
    }
  });

  it('answers the window bridge through the real console service, and refuses what is not in the contract', async () => {
    const d = await start({ port: 0 });
    const { bridge } = windowBridge();
    const a = await client(d);
    const snapshot = await bridge.request('snapshot', {});
    expect(snapshot.listeners[0]!.port).toBe(port(d));
    expect(snapshot.protocols).toEqual(d.relay.protocols);
    expect(snapshot.settings.port).toBe(0);
    const { total, peers } = await bridge.request('peers', {});
    expect(total).toBe(1);
    expect(peers[0]).toMatchObject({ protocol: 'msg-relay', rooms: ['kk'] });

    // The service's own errors reach the page as they are.
    await expect(bridge.request('kick', { key: peers[0]!.key, code: 1006 })).rejects.toThrow('close code 1006 cannot be sent');
    expect(await bridge.request('kick', { key: peers[0]!.key, code: 4001, reason: 'from the window' })).toEqual({ kicked: true });
    expect(await a.closed).toEqual({ code: 4001, reason: 'from the window' });
    expect(await bridge.request('kick', { key: peers[0]!.key })).toEqual({ kicked: false });
    await expect(bridge.request('inject', { protocol: 'nope' as 'msg-relay', target: { kind: 'everyone' }, payload: '{}' })).rejects.toThrow(
      'inject: protocol must be one of msg-relay, compendium, spacewar, intercessor, channelstream, got "nope"',
    );
    await expect(bridge.request('eval' as 'snapshot', {})).rejects.toThrow('unknown console op "eval"');
    await expect(bridge.request('snapshot', [] as never)).rejects.toThrow('snapshot: the parameters must be an object, got a list');

    // A page from anywhere else gets nothing.
    const stranger = new electron.BrowserWindow({});
    await stranger.loadURL('https://example.com/');
    await expect(createBridge(electron.rendererIpc(stranger)).request('snapshot', {})).rejects.toThrow('this page may not use the console API');
  });

  it('checks the parameters of a window like those of a browser console: a malformed traffic filter is refused and the pump goes on', async () => {
    const d = await start({ port: 0 });
    const { bridge, of } = windowBridge();
    await expect(bridge.request('subscribeTraffic', { filter: { kinds: { length: 1 } as never } })).rejects.toThrow(
      'subscribeTraffic: filter.kinds must be a list of traffic kinds among message, relay, operator, drop, open, close, got an object',
    );
    await expect(bridge.request('peers', { filter: { text: 5 as never } })).rejects.toThrow('peers: filter.text must be text, got 5');
    await expect(bridge.request('toString' as 'snapshot', {})).rejects.toThrow('unknown console op "toString"');
    await expect(bridge.request('updateSettings', { patch: JSON.parse('{"__proto__": 1}') as never })).rejects.toThrow('settings: unknown key "__proto__"');
    // A good subscription still gets traffic: the refused one left nothing behind in the pump.
    await bridge.request('subscribeTraffic', { filter: { kinds: ['open'] } });
    await client(d);
    await until('an open record', () => of('traffic').some((t) => t.records.some((r) => r.kind === 'open')));
  });

  it('sends the window its events while it listens: a ws client joining reaches it as peerJoined', async () => {
    const d = await start({ port: 0 });
    const w = windowBridge();
    const c = await client(d);
    await until('peerJoined', () => w.of('peerJoined').length === 1);
    const key = [...d.relay.hub.peers()][0]!.key;
    expect(w.of('peerJoined')[0]!.peer).toMatchObject({ key, protocol: 'msg-relay' });
    await c.close();
    await until('peerLeft', () => w.of('peerLeft').length === 1);
    expect(w.of('peerLeft')[0]).toMatchObject({ key, code: 1000 });

    // Unsubscribed, the window gets nothing more; a control window that still listens shows events did flow.
    w.off();
    const count = w.events.length;
    const control = new electron.BrowserWindow({});
    await control.loadURL('app://switchboard/console/');
    const other = windowBridge(control);
    await client(d);
    await until('the control window to hear the join', () => other.of('peerJoined').length === 1);
    expect(w.events).toHaveLength(count);
  });

  it('ends a window session when its page is replaced, and keeps it across a change of view', async () => {
    const d = await start({ port: 0 });
    const win = electron.BrowserWindow.all[0]!;
    const first = windowBridge(win);
    await first.bridge.request('subscribeTraffic', {});
    await client(d);
    await until('the open record', () => first.of('traffic').length > 0);

    // "Settings…" only changes the fragment: the same session, so the traffic subscription holds.
    electron.menuItem('Settings…').click!();
    expect(win.webContents.url).toBe('app://switchboard/console/#settings');
    first.events.length = 0;
    await client(d);
    await until('traffic after a change of view', () => first.of('traffic').length > 0);

    // A reload is a new page: its session is fresh, with no traffic subscription of the old one.
    await win.loadURL('app://switchboard/console/');
    first.off();
    const second = windowBridge(win);
    await client(d);
    await until('peerJoined on the new page', () => second.of('peerJoined').length === 1);
    expect(second.of('traffic')).toEqual([]);
  });

  it('exposes exactly request and onEvent as window.switchboard from the preload', async () => {
    await start({ port: 0 });
    electron.loadPreloadInto(electron.BrowserWindow.all[0]!);
    await import('../../electron/preload/index.js');
    const api = electron.mainWorld.switchboard as ReturnType<typeof createBridge>;
    expect(Object.keys(api).sort()).toEqual(['onEvent', 'request']);
    expect((await api.request('snapshot', {})).stats.peers).toBe(0);
  });

  it('stores changed settings in the user-data folder, for its owner only, and starts with them next time', async () => {
    const d = await start({ port: 0 });
    const { bridge } = windowBridge();
    const changed = await bridge.request('updateSettings', { patch: { msgRelayDefaultGroup: 'ops' } });
    expect(changed).toMatchObject({ restarted: false, pending: ['msgRelayDefaultGroup'] });
    expect(stored()).toEqual({ port: 0, msgRelayDefaultGroup: 'ops' });
    expect(statSync(join(userData, SETTINGS_FILE)).mode & 0o777).toBe(0o600);
    // A bad value names its key and changes nothing.
    await expect(bridge.request('updateSettings', { patch: { maxQueueBytes: -1 } })).rejects.toThrow('key "maxQueueBytes"');
    expect(stored()).toEqual({ port: 0, msgRelayDefaultGroup: 'ops' });
    await d.stop();
    electron.reset(userData);
    const again = await start();
    expect(again.relay.config.msgRelayDefaultGroup).toBe('ops');
  });

  it('moves the listeners at once when the window changes the port, keeping open sockets', async () => {
    const d = await start({ port: 0 });
    const { bridge } = windowBridge();
    const before = port(d);
    const open = await client(d);
    const next = await freePort();
    const changed = await bridge.request('updateSettings', { patch: { port: next } });
    expect(changed).toMatchObject({ restarted: true, pending: [] });
    expect(port(d)).toBe(next);
    expect(stored()).toEqual({ port: next });
    await client(d);
    await expect(Client.open(`ws://127.0.0.1:${before}/`)).rejects.toThrow(/ECONNREFUSED/);
    open.send('ping');
    const heard: string[] = [];
    for (let i = 0; i < 10 && !heard.includes('pong'); i++) heard.push(await open.next());
    expect(heard).toContain('pong');
  });

  it('shares on the LAN from the menu: binds every interface at once and shows each address with a QR code', async () => {
    const d = await start({ port: 0 });
    const listening = port(d);
    expect(electron.menuItem('Share on LAN').checked).toBe(false);
    electron.menuItem('Share on LAN').click!();
    await until('the share window', () => d.shareWindow !== undefined);
    expect(d.relay.listeners[0]).toMatchObject({ host: '0.0.0.0', port: listening });
    // Shared on the LAN, channelstream's well-known secrets were replaced, and the new ones are stored too.
    expect(stored()).toEqual({ port: 0, host: '0.0.0.0', ...GENERATED_SECRETS });
    expect(electron.menuItem('Share on LAN').checked).toBe(true);
    expect(electron.menuItem('Show LAN Addresses…').enabled).toBe(true);

    const lan = reachableHosts('0.0.0.0').filter((h) => h !== '127.0.0.1');
    // Bound to every interface now: reachable at a LAN address, not only at 127.0.0.1.
    await client(d);
    if (lan[0]) clients.push(await Client.open(`ws://${lan[0]}:${listening}/`));
    const shareWindow = d.shareWindow as unknown as electron.BrowserWindow;
    const page = decodeURIComponent(shareWindow.webContents.url.replace(/^data:text\/html;charset=utf-8,/, ''));
    expect(shareWindow.options.webPreferences).toMatchObject({ javascript: false, sandbox: true });
    for (const host of lan) {
      expect(page).toContain(`ws://${host}:${listening}/`);
      expect(page).toContain(`http://${host}:${listening}/console/#token=${server!.token}`);
    }
    expect(page.match(/<svg/g)?.length ?? 0).toBe(lan.length);
    if (lan.length === 0) expect(page).toContain('no LAN address');

    electron.menuItem('Share on LAN').click!();
    await until('the share window to close', () => d.shareWindow === undefined);
    expect(d.relay.listeners[0]!.host).toBe('127.0.0.1');
    // 127.0.0.1 is the default; the generated secrets stay, so nothing falls back to a well-known one.
    expect(stored()).toEqual({ port: 0, ...GENERATED_SECRETS });
  });

  it('opens the browser console with its real token, and that console works (and its settings changes are stored too)', async () => {
    const d = await start({ port: 0 });
    electron.menuItem('Open Browser Console').click!();
    await until('openExternal', () => electron.shell.opened.length === 1);
    const url = electron.shell.opened[0]!;
    expect(url).toBe(`http://127.0.0.1:${port(d)}/console/#token=${server!.token}`);
    expect(server!.token.length).toBeGreaterThan(16);

    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('./assets/app.js');
    const token = new URL(url).hash.replace('#token=', '');
    const api = `ws://127.0.0.1:${port(d)}/console/api?token=${token}`;
    expect(((await consoleApi(api, 'snapshot', {})) as Snapshot).listeners[0]!.port).toBe(port(d));
    expect((await fetch(`http://127.0.0.1:${port(d)}/console/api?token=wrong`)).status).toBe(401);

    // A change from the browser console is stored and shown in the menu like one from the window.
    await consoleApi(api, 'updateSettings', { patch: { host: '0.0.0.0' } });
    // Shared on the LAN, channelstream's well-known secrets were replaced, and the new ones are stored too.
    expect(stored()).toEqual({ port: 0, host: '0.0.0.0', ...GENERATED_SECRETS });
    expect(electron.menuItem('Share on LAN').checked).toBe(true);

    electron.menuItem('Show Settings File').click!();
    expect(electron.shell.shown).toEqual([join(userData, SETTINGS_FILE)]);
  });

  it('on quit closes every client socket with 1001 and a reason, browser consoles included, then stops listening', async () => {
    const d = await start({ port: 0 });
    const a = await client(d);
    const b = await client(d, '/msg-relay');
    const browser = await client(d, `/console/api?token=${server!.token}`);
    const listening = port(d);
    electron.app.quit();
    expect(await a.closed).toEqual({ code: 1001, reason: 'Switchboard is shutting down' });
    expect(await b.closed).toEqual({ code: 1001, reason: 'Switchboard is shutting down' });
    expect(await browser.closed).toEqual({ code: 1001, reason: 'Switchboard is shutting down' });
    await electron.app.done;
    expect(electron.app.quitting).toBe(true);
    await expect(Client.open(`ws://127.0.0.1:${listening}/`)).rejects.toThrow(/ECONNREFUSED/);
  });

  it('still quits, and says so, when stopping fails', async () => {
    // The real console, stopped for real, whose stop then throws: the one failure injected here.
    const stuck: ConsoleFactory = (relay, options) => {
      const real = realConsole(relay, options);
      return {
        ...real,
        stop() {
          real.stop();
          throw new Error('service stuck');
        },
      };
    };
    const d = await start({ port: 0 }, stuck);
    desktop = undefined;
    electron.app.quit();
    await electron.app.done;
    expect(electron.app.quitting).toBe(true);
    expect(electron.dialog.errors).toEqual([{ title: 'Switchboard did not stop cleanly', content: 'service stuck' }]);
    await d.relay.stop();
  });

  it('quits when its last window closes (except on macOS)', async () => {
    const d = await start({ port: 0 });
    const c = await client(d);
    electron.BrowserWindow.all[0]!.close();
    if (process.platform === 'darwin') return;
    expect((await c.closed).code).toBe(1001);
    await electron.app.done;
  });

  it('runs once: a second launch brings the window forward; without the lock it quits at once', async () => {
    await start({ port: 0 });
    const win = electron.BrowserWindow.all[0]!;
    electron.app.emit('second-instance');
    expect(win.focused).toBe(1);
    await desktop!.stop();
    desktop = undefined;

    electron.reset(userData);
    electron.app.hasLock = false;
    expect(await Desktop.start(options(realConsole, {}, ''))).toBeUndefined();
    await electron.app.done;
    expect(electron.app.quitting).toBe(true);
    expect(electron.BrowserWindow.all).toHaveLength(0);
  });

  it('refuses bad stored settings with an error naming the key, and exits 1', async () => {
    writeFileSync(join(userData, SETTINGS_FILE), JSON.stringify({ port: 'eighty' }));
    const d = await Desktop.start(options(realConsole, {}, ''));
    expect(d).toBeUndefined();
    expect(electron.app.exitCode).toBe(1);
    expect(electron.dialog.errors[0]!.title).toBe('Switchboard cannot start');
    expect(electron.dialog.errors[0]!.content).toContain('key "port": expected a whole number, got "eighty"');
    expect(electron.BrowserWindow.all).toHaveLength(0);
  });

  it('takes the layers of switchboard serve: the settings file, then SWITCHBOARD_* variables, then flags, and tells Settings which', async () => {
    const d = await start({ port: 0, msgRelayDefaultGroup: 'fromfile', maxRooms: 50 }, realConsole, {
      env: { SWITCHBOARD_MSG_RELAY_DEFAULT_GROUP: 'fromenv', SWITCHBOARD_MAX_ROOMS: '60', SWITCHBOARD_MAX_ROOM: '1', HOME: '/home/someone' },
      argv: ['--max-rooms', '70'],
    });
    expect(d.relay.config).toMatchObject({ msgRelayDefaultGroup: 'fromenv', maxRooms: 70 });
    const { bridge } = windowBridge();
    expect((await bridge.request('snapshot', {})).settingSources).toEqual({
      msgRelayDefaultGroup: { from: 'environment', name: 'SWITCHBOARD_MSG_RELAY_DEFAULT_GROUP' },
      maxRooms: { from: 'flag', name: '--max-rooms' },
    });
    // An unknown variable is a warning in the log, naming the nearest known one; the app started.
    const log = await bridge.request('log', {});
    expect(log.map((e) => e.message)).toContain('unknown environment variable "SWITCHBOARD_MAX_ROOM" is ignored (did you mean SWITCHBOARD_MAX_ROOMS?)');
    // A change from the UI is stored; what the environment and flags set stays out of the file...
    await bridge.request('updateSettings', { patch: { tapCapacity: 500 } });
    expect(stored()).toEqual({ port: 0, msgRelayDefaultGroup: 'fromfile', maxRooms: 50, tapCapacity: 500 });
    // ...unless the UI changes it too.
    await bridge.request('updateSettings', { patch: { maxRooms: 80 } });
    expect(stored()).toEqual({ port: 0, msgRelayDefaultGroup: 'fromfile', maxRooms: 80, tapCapacity: 500 });
  });

  it('reads and stores the file --config names, and refuses an unknown flag by name', async () => {
    const file = join(dir, 'relay.json');
    writeFileSync(file, JSON.stringify({ port: 0, msgRelayDefaultGroup: 'deployed' }));
    const d = await start(undefined, realConsole, { argv: ['--config', file] });
    expect(d.relay.config.msgRelayDefaultGroup).toBe('deployed');
    expect(d.settingsFile).toBe(file);
    await windowBridge().bridge.request('updateSettings', { patch: { tapCapacity: 500 } });
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ port: 0, msgRelayDefaultGroup: 'deployed', tapCapacity: 500 });
    await d.stop();
    desktop = undefined;

    electron.reset(userData);
    expect(await Desktop.start(options(realConsole, { argv: ['--prot', '1'] }))).toBeUndefined();
    expect(electron.app.exitCode).toBe(1);
    expect(electron.dialog.errors[0]!.content).toContain('unknown flag "--prot"');
  });

  it('prints the console address, token included, and any warning, as switchboard serve does', async () => {
    const d = await start({ port: 0 }, realConsole, { env: { SWITCHBOARD_PROT: '1' } });
    expect(printed).toEqual([
      'switchboard: unknown environment variable "SWITCHBOARD_PROT" is ignored (did you mean SWITCHBOARD_PORT?)',
      `switchboard: console http://127.0.0.1:${port(d)}/console/#token=${d.console.token}`,
    ]);
  });

  it("opens the Overview's demo links in the browser, from the relay, which serves them", async () => {
    const d = await start({ port: 0 });
    const contents = electron.BrowserWindow.all[0]!.webContents;
    const navigate = (url: string): boolean => {
      let prevented = false;
      contents.emit('will-navigate', { url, preventDefault: () => (prevented = true) });
      return prevented;
    };
    const origin = `http://127.0.0.1:${port(d)}`;
    expect(navigate('app://switchboard/demo/')).toBe(true);
    expect(contents.openHandler!({ url: 'app://switchboard/demo/game/?room=abc' })).toEqual({ action: 'deny' });
    expect(navigate('http://192.0.2.7:8765/demo/')).toBe(true);
    expect(electron.shell.opened).toEqual([`${origin}/demo/`, `${origin}/demo/game/?room=abc`, 'http://192.0.2.7:8765/demo/']);
    // The console's own views stay in the window; other schemes go nowhere.
    expect(navigate('app://switchboard/console/#peers')).toBe(false);
    expect(navigate('file:///etc/passwd')).toBe(true);
    expect(electron.shell.opened).toHaveLength(3);
    const demo = await fetch(`${origin}/demo/`);
    expect(demo.status).toBe(200);
    expect(await demo.text()).toContain('<html');
  });

  it('grants the clipboard write of the copy buttons to the console window, and nothing else to anyone', async () => {
    const d = await start({ port: 0 });
    const contents = electron.BrowserWindow.all[0]!.webContents;
    const { permissionHandler, permissionCheckHandler } = electron.session.defaultSession;
    const asked = (permission: string, requestingUrl: string, isMainFrame = true): boolean | undefined => {
      let granted: boolean | undefined;
      permissionHandler!(contents, permission, (ok) => (granted = ok), { isMainFrame, requestingUrl });
      return granted;
    };
    const checked = (permission: string, origin: string, isMainFrame = true): boolean => permissionCheckHandler!(contents, permission, origin, { isMainFrame, requestingUrl: `${origin}/console/` });
    // navigator.clipboard.writeText in the console: Chromium checks, then asks.
    expect(checked('clipboard-sanitized-write', 'app://switchboard')).toBe(true);
    expect(asked('clipboard-sanitized-write', 'app://switchboard/console/#traffic')).toBe(true);
    // Not to a subframe, nor to the relay's own pages (the share page), nor to any other origin.
    const relayPages = `http://127.0.0.1:${port(d)}`;
    for (const origin of [relayPages, 'https://example.com', 'app://elsewhere', 'file://', 'null']) {
      expect(checked('clipboard-sanitized-write', origin)).toBe(false);
      expect(asked('clipboard-sanitized-write', `${origin}/`)).toBe(false);
    }
    expect(checked('clipboard-sanitized-write', 'app://switchboard', false)).toBe(false);
    expect(asked('clipboard-sanitized-write', 'app://switchboard/console/', false)).toBe(false);
    // Reading the clipboard, or anything else, is never granted, even to the console.
    for (const permission of ['clipboard-read', 'notifications', 'media', 'geolocation', 'openExternal']) {
      expect(checked(permission, 'app://switchboard')).toBe(false);
      expect(asked(permission, 'app://switchboard/console/')).toBe(false);
    }
  });

  it.each([
    [false, 'a packaged app'],
    [true, 'development'],
  ])('offers DevTools only in development (development: %s, %s)', async (development) => {
    await start({ port: 0 }, realConsole, { development });
    expect(electron.BrowserWindow.all[0]!.options.webPreferences?.devTools).toBe(development);
    const view = electron.Menu.current.find((m) => m.label === 'View')!;
    expect(view.submenu!.some((i) => i.role === 'toggleDevTools')).toBe(development);
  });
});


function menuBar(): (string | undefined)[] {
  return electron.Menu.current.map((m) => m.label ?? (m.role === 'editMenu' ? 'Edit' : m.role === 'help' ? 'Help' : m.role));
}
