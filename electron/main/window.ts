import { BrowserWindow, shell, type WebContents } from 'electron';
import { APP_ORIGIN, CONSOLE_URL } from './scheme.js';

/** Keeps a window on the app's own pages: links to the web open in the browser, nothing opens a window. */
function confine(contents: WebContents): void {
  contents.setWindowOpenHandler(({ url }) => {
    if (/^https?:\/\//.test(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
  contents.on('will-navigate', (details) => {
    if (!details.url.startsWith(APP_ORIGIN + '/')) details.preventDefault();
  });
}

const locked = { contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true, spellcheck: false } as const;

/** The console window: the renderer bundle with the preload bridge. */
export function openConsoleWindow(preloadPath: string, hash = ''): BrowserWindow {
  const win = new BrowserWindow({
    width: 1280,
    height: 820,
    minWidth: 720,
    minHeight: 480,
    title: 'Switchboard',
    show: false,
    webPreferences: { ...locked, preload: preloadPath },
  });
  confine(win.webContents);
  win.once('ready-to-show', () => win.show());
  void win.loadURL(CONSOLE_URL + hash);
  return win;
}

/** A static page (no script, no bridge), such as the LAN share sheet. */
export function openPageWindow(title: string, html: string, parent: BrowserWindow | undefined): BrowserWindow {
  const win = new BrowserWindow({ width: 620, height: 720, title, ...(parent ? { parent } : {}), webPreferences: { ...locked, javascript: false } });
  confine(win.webContents);
  showPage(win, html);
  return win;
}

/** Replaces a page window's content. */
export function showPage(win: BrowserWindow, html: string): void {
  void win.loadURL('data:text/html;charset=utf-8,' + encodeURIComponent(html));
  win.show();
}
