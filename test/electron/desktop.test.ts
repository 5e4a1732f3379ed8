// The desktop main process with only the `electron` module replaced: a real relay, real sockets,
// real settings files in a temp folder. The console service here is a small stand-in over the
// real relay (the real ConsoleService is wired in after the merge).
import { mkdtempSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Desktop, SETTINGS_FILE } from '../../electron/main/desktop.js';
import { CSP } from '../../electron/main/scheme.js';
import type { ConsoleSession, DesktopConsole } from '../../electron/main/service.js';
import { createBridge } from '../../electron/preload/bridge.js';
import { loadConfig } from '../../relay/config/load.js';
import type { Config } from '../../relay/config/schema.js';
import type { ConsoleEvent } from '../../relay/console/types.js';
import { reachableHosts } from '../../relay/http/server.js';
import type { Relay } from '../../relay/relay.js';
import { Client } from '../helpers/client.js';
import * as electron from '../helpers/fake-electron.js';

vi.mock('electron', () => import('../helpers/fake-electron.js'));

/** Answers a few ops from the real relay; emits a log event when a peer joins. */
function standInConsole(relay: Relay): DesktopConsole & { sessions: Set<ConsoleSession> } {
  let settings: Config = relay.config;
  const sessions = new Set<ConsoleSession>();
  return {
    sessions,
    openSession(emit: (event: ConsoleEvent) => void) {
      const off = relay.hub.onPresence({
        joined: (p) => emit({ type: 'log', entry: { ts: Date.now(), level: 'info', event: 'join', message: `${p.id} joined`, peer: p.id } }),
      });
      const session: ConsoleSession = {
        async request(op, params) {
          if (op === 'snapshot') return { peers: relay.hub.size, listeners: relay.listeners, settings };
          if (op === 'updateSettings') {
            settings = loadConfig({ overrides: { ...settings, ...(params as { patch: Partial<Config> }).patch } });
            return { settings, restarted: false };
          }
          throw new Error(`the stand-in does not answer "${op}"`);
        },
        close() {
          off();
          sessions.delete(session);
        },
      };
      sessions.add(session);
      return session;
    },
    consoleUrl: (origin) => `${origin}/console/?token=stand-in`,
    close: () => undefined,
  };
}

let dir: string;
let userData: string;
let rendererDir: string;
let desktop: Desktop | undefined;
let service: ReturnType<typeof standInConsole> | undefined;
const clients: Client[] = [];

async function start(settings?: Record<string, unknown>): Promise<Desktop> {
  if (settings) writeFileSync(join(userData, SETTINGS_FILE), JSON.stringify(settings));
  desktop = await Desktop.start({
    rendererDir,
    preloadPath: '/app/out/preload/index.cjs',
    createConsole: (relay) => (service = standInConsole(relay)),
  });
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

/** Waits, bounded, for something a background menu action does. */
async function until(what: string, ok: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !ok(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!ok()) throw new Error(`timed out waiting for ${what}`);
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
});

afterEach(async () => {
  for (const c of clients.splice(0)) await c.close();
  await desktop?.stop();
  desktop = undefined;
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
    electron.session.defaultSession.permissionHandler!(win.webContents, 'media', (ok) => (allowed = ok));
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

  it('answers the window bridge through the console service, events included, and refuses what is not in the contract', async () => {
    const d = await start({ port: 0 });
    const win = electron.BrowserWindow.all[0]!;
    const bridge = createBridge(electron.rendererIpc(win));
    await client(d);
    const snapshot = (await bridge.request('snapshot', {})) as unknown as { peers: number; listeners: { port: number }[] };
    expect(snapshot.peers).toBe(1);
    expect(snapshot.listeners[0]!.port).toBe(port(d));

    await expect(bridge.request('kick', { key: 'p1' })).rejects.toThrow('the stand-in does not answer "kick"');
    await expect(bridge.request('eval' as 'snapshot', {})).rejects.toThrow('unknown console op "eval"');
    await expect(bridge.request('snapshot', [] as never)).rejects.toThrow('params of "snapshot" must be an object');

    const events: ConsoleEvent[] = [];
    const off = bridge.onEvent((e) => events.push(e));
    await client(d);
    await until('a join event', () => events.length === 1);
    expect(events[0]).toMatchObject({ type: 'log', entry: { event: 'join' } });
    off();
    await client(d);
    await new Promise((r) => setTimeout(r, 50));
    expect(events).toHaveLength(1);

    // A page from anywhere else gets nothing; a reload ends the window's session.
    const stranger = new electron.BrowserWindow({});
    await stranger.loadURL('https://example.com/');
    await expect(createBridge(electron.rendererIpc(stranger)).request('snapshot', {})).rejects.toThrow('this page may not use the console API');
    expect(service!.sessions.size).toBe(2); // main's own and the console window's
    await win.loadURL('app://switchboard/console/');
    expect(service!.sessions.size).toBe(1);
  });

  it('exposes exactly request and onEvent as window.switchboard from the preload', async () => {
    await start({ port: 0 });
    electron.loadPreloadInto(electron.BrowserWindow.all[0]!);
    await import('../../electron/preload/index.js');
    const api = electron.mainWorld.switchboard as ReturnType<typeof createBridge>;
    expect(Object.keys(api).sort()).toEqual(['onEvent', 'request']);
    expect(await api.request('snapshot', {})).toMatchObject({ peers: 0 });
  });

  it('stores changed settings in the user-data folder, for its owner only, and starts with them next time', async () => {
    const d = await start({ port: 0 });
    const bridge = createBridge(electron.rendererIpc(electron.BrowserWindow.all[0]!));
    await bridge.request('updateSettings', { patch: { msgRelayDefaultGroup: 'ops' } });
    expect(stored()).toEqual({ port: 0, msgRelayDefaultGroup: 'ops' });
    expect(statSync(join(userData, SETTINGS_FILE)).mode & 0o777).toBe(0o600);
    await d.stop();
    electron.reset(userData);
    const again = await start();
    expect(again.relay.config.msgRelayDefaultGroup).toBe('ops');
  });

  it('shares on the LAN from the menu: binds every interface and shows each address with a QR code', async () => {
    const d = await start({ port: 0 });
    expect(electron.menuItem('Share on LAN').checked).toBe(false);
    electron.menuItem('Share on LAN').click!();
    await until('the share window', () => d.shareWindow !== undefined);
    expect(stored()).toEqual({ port: 0, host: '0.0.0.0' });
    expect(electron.menuItem('Share on LAN').checked).toBe(true);
    expect(electron.menuItem('Show LAN Addresses…').enabled).toBe(true);

    // The stand-in service stores settings without moving listeners; the next start binds them.
    await d.stop();
    electron.reset(userData);
    const shared = await start();
    expect(shared.relay.listeners[0]!.host).toBe('0.0.0.0');
    await client(shared);
    await shared.showShare();
    const shareWindow = shared.shareWindow as unknown as electron.BrowserWindow;
    const page = decodeURIComponent(shareWindow.webContents.url.replace(/^data:text\/html;charset=utf-8,/, ''));
    expect(shareWindow.options.webPreferences).toMatchObject({ javascript: false, sandbox: true });
    const lan = reachableHosts('0.0.0.0').filter((h) => h !== '127.0.0.1');
    for (const host of lan) {
      expect(page).toContain(`ws://${host}:${port(shared)}/`);
      expect(page).toContain(`http://${host}:${port(shared)}/console/?token=stand-in`);
    }
    expect(page.match(/<svg/g)?.length ?? 0).toBe(lan.length);
    if (lan.length === 0) expect(page).toContain('no LAN address');

    electron.menuItem('Share on LAN').click!();
    await until('the share window to close', () => shared.shareWindow === undefined);
    expect(stored()).toEqual({ port: 0 }); // 127.0.0.1 is the default
  });

  it('opens the browser console and the settings view from the menu', async () => {
    const d = await start({ port: 0 });
    electron.menuItem('Open Browser Console').click!();
    await until('openExternal', () => electron.shell.opened.length === 1);
    expect(electron.shell.opened).toEqual([`http://127.0.0.1:${port(d)}/console/?token=stand-in`]);

    const win = electron.BrowserWindow.all[0]!;
    createBridge(electron.rendererIpc(win)).onEvent(() => undefined);
    const sessions = service!.sessions.size;
    electron.menuItem('Settings…').click!();
    expect(win.webContents.url).toBe('app://switchboard/console/#settings');
    expect(service!.sessions.size).toBe(sessions); // a same-page view change keeps the session
    electron.menuItem('Show Settings File').click!();
    expect(electron.shell.shown).toEqual([join(userData, SETTINGS_FILE)]);
  });

  it('on quit closes every client socket with 1001 and a reason, then stops listening', async () => {
    const d = await start({ port: 0 });
    const a = await client(d);
    const b = await client(d, '/msg-relay');
    const listening = port(d);
    electron.app.quit();
    expect(await a.closed).toEqual({ code: 1001, reason: 'Switchboard is shutting down' });
    expect(await b.closed).toEqual({ code: 1001, reason: 'Switchboard is shutting down' });
    await electron.app.done;
    expect(electron.app.quitting).toBe(true);
    await expect(Client.open(`ws://127.0.0.1:${listening}/`)).rejects.toThrow(/ECONNREFUSED/);
  });

  it('still quits, and says so, when stopping fails', async () => {
    writeFileSync(join(userData, SETTINGS_FILE), JSON.stringify({ port: 0 }));
    const d = await Desktop.start({
      rendererDir,
      preloadPath: '',
      createConsole: (relay) => ({ ...standInConsole(relay), close: () => { throw new Error('service stuck'); } }),
    });
    electron.app.quit();
    await electron.app.done;
    expect(electron.app.quitting).toBe(true);
    expect(electron.dialog.errors).toEqual([{ title: 'Switchboard did not stop cleanly', content: 'service stuck' }]);
    await d!.relay.stop();
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
    expect(await Desktop.start({ rendererDir, preloadPath: '', createConsole: standInConsole })).toBeUndefined();
    await electron.app.done;
    expect(electron.app.quitting).toBe(true);
    expect(electron.BrowserWindow.all).toHaveLength(0);
  });

  it('refuses bad stored settings with an error naming the key, and exits 1', async () => {
    writeFileSync(join(userData, SETTINGS_FILE), JSON.stringify({ port: 'eighty' }));
    const d = await Desktop.start({ rendererDir, preloadPath: '', createConsole: standInConsole });
    expect(d).toBeUndefined();
    expect(electron.app.exitCode).toBe(1);
    expect(electron.dialog.errors[0]!.title).toBe('Switchboard cannot start');
    expect(electron.dialog.errors[0]!.content).toContain('key "port": expected a whole number, got "eighty"');
    expect(electron.BrowserWindow.all).toHaveLength(0);
  });
});

function menuBar(): (string | undefined)[] {
  return electron.Menu.current.map((m) => m.label ?? (m.role === 'editMenu' ? 'Edit' : m.role === 'help' ? 'Help' : m.role));
}
