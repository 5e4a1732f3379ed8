import { BrowserWindow, shell, type WebContents } from 'electron';
import { APP_ORIGIN, CONSOLE_URL } from './scheme.js';

/** What a window needs to know about the app around it. */
export interface PageContext {
  /** Where the relay serves its own pages to this machine's browser, such as http://127.0.0.1:8765. */
  relayOrigin(): string;
  /** DevTools are for development (npm start), never in a packaged app. */
  devTools(): boolean;
}

/**
 * Where a link from the app's pages goes: the console's own views stay in the window; another
 * app:// path (the Overview's /demo/ link) is a page of the relay, opened in the browser from
 * the relay; web links open in the browser as they are; anything else goes nowhere.
 */
export function linkTarget(url: string, relayOrigin: () => string): { stay: true } | { external: string } | { refuse: true } {
  if (url.startsWith(CONSOLE_URL)) return { stay: true };
  if (url.startsWith(APP_ORIGIN + '/')) return { external: relayOrigin() + url.slice(APP_ORIGIN.length) };
  if (/^https?:\/\//.test(url)) return { external: url };
  return { refuse: true };
}

/** Keeps a window on the console's pages: everything else opens in the browser, and nothing opens a window. */
function confine(contents: WebContents, context: PageContext): void {
  const follow = (url: string): boolean => {
    const target = linkTarget(url, context.relayOrigin);
    if ('external' in target) void shell.openExternal(target.external);
    return 'stay' in target;
  };
  contents.setWindowOpenHandler(({ url }) => {
    follow(url);
    return { action: 'deny' };
  });
  contents.on('will-navigate', (details) => {
    if (!follow(details.url)) details.preventDefault();
  });
}

const locked = { contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true, spellcheck: false } as const;

/** The console window: the renderer bundle with the preload bridge. */
export function openConsoleWindow(preloadPath: string, hash: string, context: PageContext): BrowserWindow {
  const win = new BrowserWindow({
    width: 1280,
    height: 820,
    minWidth: 720,
    minHeight: 480,
    title: 'Switchboard',
    show: false,
    webPreferences: { ...locked, devTools: context.devTools(), preload: preloadPath },
  });
  confine(win.webContents, context);
  win.once('ready-to-show', () => win.show());
  void win.loadURL(CONSOLE_URL + hash);
  return win;
}

/** A static page (no script, no bridge), such as the LAN share sheet. */
export function openPageWindow(title: string, html: string, parent: BrowserWindow | undefined, context: PageContext): BrowserWindow {
  const win = new BrowserWindow({
    width: 620,
    height: 720,
    title,
    ...(parent ? { parent } : {}),
    webPreferences: { ...locked, devTools: context.devTools(), javascript: false },
  });
  confine(win.webContents, context);
  showPage(win, html);
  return win;
}

/** Replaces a page window's content. */
export function showPage(win: BrowserWindow, html: string): void {
  void win.loadURL('data:text/html;charset=utf-8,' + encodeURIComponent(html));
  win.show();
}
