import { join } from 'node:path';
import { app, dialog, ipcMain, Menu, protocol, session, shell, type BrowserWindow } from 'electron';
import { loadLayers, type Layers } from '../../relay/config/load.js';
import { ALL_INTERFACES, bindsAllInterfaces, type Config } from '../../relay/config/schema.js';
import { readSettings, settingsToStore, writeSettings } from '../../relay/config/store.js';
import type { ConsoleServer, ConsoleServerOptions } from '../../relay/console/http.js';
import type { ConsoleSession } from '../../relay/console/service.js';
import { lanShare, sharePage } from '../../relay/console/share.js';
import type { ConsoleEvent } from '../../relay/console/types.js';
import { pageOrigin } from '../../relay/http/server.js';
import { Relay } from '../../relay/relay.js';
import { ConsoleIpc } from './ipc.js';
import { menuTemplate } from './menu.js';
import { allowsPermission } from './permissions.js';
import { SCHEME, serveBundle } from './scheme.js';
import { openConsoleWindow, openPageWindow, showPage, type PageContext } from './window.js';

export const SETTINGS_FILE = 'settings.json';
const THIS_MACHINE = '127.0.0.1';

export interface DesktopOptions {
  /** The built console (dist/console). */
  rendererDir: string;
  /** The built preload script. */
  preloadPath: string;
  /** The relay's console: serveConsole, which also serves the browser console the menu opens. */
  createConsole: ConsoleFactory;
  /** The flags after the app's own arguments (`npm start -- --port 9000`), read like `switchboard serve`'s. */
  argv: readonly string[];
  /** The environment, whose SWITCHBOARD_* variables win over the settings file. */
  env: NodeJS.ProcessEnv;
  /** Electron runs from a checkout (npm start), not a packaged app: DevTools are offered. */
  development: boolean;
  /** Writes a line to the terminal the app was started from (the console address, warnings). */
  print(line: string): void;
}

export type ConsoleFactory = (relay: Relay, options: Pick<ConsoleServerOptions, 'settingSources'>) => ConsoleServer;

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/**
 * The desktop app: the relay runs in this process with the settings of `switchboard serve`
 * (defaults, the settings file, SWITCHBOARD_* variables, flags); one window shows the console
 * over IPC; the menu shares the relay on the LAN. Quitting closes every client socket with 1001
 * and a reason.
 */
export class Desktop {
  window: BrowserWindow | undefined;
  shareWindow: BrowserWindow | undefined;
  private readonly ipc: ConsoleIpc;
  /** Main's own session: the menu's requests, and every settings change (from any UI) to store. */
  private readonly own: ConsoleSession;
  private stopping: Promise<void> | undefined;
  private stopped = false;
  /** What the app's windows ask of it: where the relay's pages are, and whether DevTools are offered. */
  private readonly pages: PageContext = { relayOrigin: () => this.relayOrigin(), devTools: () => this.opts.development };

  /** The settings file's own values (defaults filled in), as last stored. */
  private fileSettings: Config;

  private constructor(
    readonly relay: Relay,
    readonly console: ConsoleServer,
    readonly settingsFile: string,
    private readonly layers: Layers,
    private readonly opts: DesktopOptions,
  ) {
    this.fileSettings = readSettings(settingsFile);
    this.ipc = new ConsoleIpc(ipcMain, console.service);
    this.own = console.service.session();
    this.own.onEvent((event) => this.settingsChanged(event));
  }

  static async start(opts: DesktopOptions): Promise<Desktop | undefined> {
    if (!app.requestSingleInstanceLock()) {
      app.quit();
      return undefined;
    }
    protocol.registerSchemesAsPrivileged([{ scheme: SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
    await app.whenReady();
    const stored = join(app.getPath('userData'), SETTINGS_FILE);
    let layers: Layers | undefined;
    let relay: Relay;
    try {
      layers = loadLayers({ argv: opts.argv, env: opts.env, configFile: stored });
      relay = new Relay(layers.config);
      await relay.start();
    } catch (err) {
      dialog.showErrorBox('Switchboard cannot start', `${message(err)}\n\nSettings file: ${layers?.file ?? stored}`);
      app.exit(1);
      return undefined;
    }
    // --config or SWITCHBOARD_CONFIG names the file to read, and so the one changes are stored in.
    const file = layers.file ?? stored;
    for (const w of layers.warnings) {
      relay.log.add('warn', 'config', w);
      opts.print(`switchboard: ${w}`);
    }
    const desktop = new Desktop(relay, opts.createConsole(relay, { settingSources: layers.sources }), file, layers, opts);
    desktop.open();
    opts.print(`switchboard: console ${desktop.console.url()}`);
    return desktop;
  }

  get shared(): boolean {
    return bindsAllInterfaces(this.relay.config.host);
  }

  private open(): void {
    protocol.handle(SCHEME, (request) => serveBundle(this.opts.rendererDir, request));
    // The console's copy buttons write to the clipboard; no other permission is granted (permissions.ts).
    session.defaultSession.setPermissionRequestHandler((_contents, permission, callback, details) => callback(allowsPermission(permission, details.requestingUrl, details.isMainFrame)));
    session.defaultSession.setPermissionCheckHandler((_contents, permission, origin, details) => allowsPermission(permission, origin, details.isMainFrame));
    app.on('second-instance', () => this.showWindow());
    app.on('activate', () => this.showWindow());
    app.on('window-all-closed', () => {
      if (process.platform !== 'darwin') app.quit();
    });
    app.on('before-quit', (e) => {
      if (this.stopped) return;
      e.preventDefault();
      // Quit even if stopping failed: a relay that cannot stop must not keep the app open.
      void this.stop()
        .catch((err: unknown) => dialog.showErrorBox('Switchboard did not stop cleanly', message(err)))
        .then(() => app.quit());
    });
    this.buildMenu();
    this.showWindow();
  }

  /**
   * Settings changed by any UI (a window, the menu, a browser console) are stored at once, before
   * the request is answered; what the environment or flags set stays out of the file. A file that
   * cannot be written is shown; the running relay keeps the settings.
   */
  private settingsChanged(event: ConsoleEvent): void {
    if (event.type !== 'settings') return;
    const next = settingsToStore(event.settings, this.fileSettings, this.layers.config, this.layers.sources);
    try {
      writeSettings(this.settingsFile, next);
      this.fileSettings = next;
    } catch (err) {
      dialog.showErrorBox('Switchboard could not store its settings', `${message(err)}\n\nSettings file: ${this.settingsFile}`);
    }
    this.buildMenu();
    if (!this.shared) this.shareWindow?.close();
  }

  private buildMenu(): void {
    const template = menuTemplate(
      {
        shared: this.shared,
        setShared: (on) => this.report('Share on LAN', this.setShared(on)),
        showShare: () => this.report('Share on LAN', this.showShare()),
        openBrowserConsole: () => this.report('Open Browser Console', this.openBrowserConsole()),
        openSettings: () => this.showWindow('#settings'),
        showSettingsFile: () => shell.showItemInFolder(this.settingsFile),
      },
      process.platform,
      this.opts.development,
    );
    Menu.setApplicationMenu(Menu.buildFromTemplate(template));
  }

  /** Menu actions run in the background; a failure is shown, never swallowed. */
  private report(what: string, action: Promise<void>): void {
    action.catch((err: unknown) => dialog.showErrorBox(what, message(err)));
  }

  /** Moves the listeners to every interface (or back to this machine) and shows the addresses. */
  async setShared(on: boolean): Promise<void> {
    await this.own.request('updateSettings', { patch: { host: on ? ALL_INTERFACES : THIS_MACHINE } });
    if (on) await this.showShare();
  }

  async showShare(): Promise<void> {
    const html = sharePage(await lanShare(this.mainListener(), this.console.urlAt));
    if (this.shareWindow && !this.shareWindow.isDestroyed()) showPage(this.shareWindow, html);
    else {
      const win = openPageWindow('Switchboard on the LAN', html, this.window, this.pages);
      win.on('closed', () => {
        if (this.shareWindow === win) this.shareWindow = undefined;
      });
      this.shareWindow = win;
    }
  }

  async openBrowserConsole(): Promise<void> {
    await shell.openExternal(this.console.urlAt(this.relayOrigin()));
  }

  /** The relay's own pages (the demos) as this machine's browser reaches them: http(s)://127.0.0.1:PORT. */
  relayOrigin(): string {
    // A relay bound to every interface lists 127.0.0.1 first: the address for this machine.
    return pageOrigin(this.mainListener().urls[0]!);
  }

  private mainListener(): Relay['listeners'][number] {
    const main = this.relay.listeners.find((l) => l.main);
    if (!main) throw new Error('the relay is not listening');
    return main;
  }

  /** Brings the console window up (making one if there is none), optionally at a view such as #settings. */
  showWindow(hash = ''): void {
    const win = this.window;
    if (!win || win.isDestroyed()) {
      const made = openConsoleWindow(this.opts.preloadPath, hash, this.pages);
      made.on('closed', () => {
        if (this.window === made) this.window = undefined;
      });
      this.window = made;
      return;
    }
    if (hash) void win.loadURL(win.webContents.getURL().replace(/#.*$/, '') + hash);
    if (win.isMinimized()) win.restore();
    win.show();
    win.focus();
  }

  /** Closes the console sessions and service, then every client socket with 1001 and a reason, then the listeners. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      try {
        this.ipc.close();
        this.own.close();
        this.console.stop();
        await this.relay.stop();
      } finally {
        this.stopped = true;
      }
    })();
    return this.stopping;
  }
}
