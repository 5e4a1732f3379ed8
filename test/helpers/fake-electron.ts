/**
 * A stand-in for the `electron` module, the one boundary tests may replace (Electron's runtime
 * cannot run here). It keeps what main does observable: windows and their URLs, the menu, IPC
 * between a window's preload and main (with structured cloning, as real IPC does), dialogs,
 * external links, the app:// handler and the quit sequence.
 */
import { EventEmitter } from 'node:events';

type Listener = (...args: never[]) => unknown;
export interface MenuItem {
  label?: string;
  role?: string;
  type?: string;
  checked?: boolean;
  enabled?: boolean;
  click?: () => void;
  submenu?: MenuItem[];
}

let nextId = 1;

class FakeWebContents extends EventEmitter {
  readonly id = nextId++;
  url = '';
  destroyed = false;
  /** Renderer-side listeners by channel (what the page's ipcRenderer.on registered). */
  readonly rendererListeners = new Map<string, Listener[]>();
  openHandler: ((details: { url: string }) => { action: string }) | undefined;

  send(channel: string, ...args: unknown[]): void {
    for (const l of this.rendererListeners.get(channel) ?? []) (l as (...a: unknown[]) => void)({}, ...structuredClone(args));
  }
  getURL(): string {
    return this.url;
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  setWindowOpenHandler(handler: (details: { url: string }) => { action: string }): void {
    this.openHandler = handler;
  }
}

export class BrowserWindow extends EventEmitter {
  static all: BrowserWindow[] = [];
  readonly webContents = new FakeWebContents();
  destroyed = false;
  shown = false;
  focused = 0;

  constructor(readonly options: { title?: string; webPreferences?: Record<string, unknown> }) {
    super();
    BrowserWindow.all.push(this);
  }
  loadURL(url: string): Promise<void> {
    const before = this.webContents.url;
    // Only a change of fragment stays on the same document; loading the same URL again reloads.
    const sameDocument = url.includes('#') && before !== url && before.split('#')[0] === url.split('#')[0];
    this.webContents.url = url;
    this.webContents.emit('did-start-navigation', { isMainFrame: true, isSameDocument: sameDocument, url });
    this.emit('ready-to-show');
    return Promise.resolve();
  }
  show(): void {
    this.shown = true;
  }
  focus(): void {
    this.focused++;
  }
  isMinimized(): boolean {
    return false;
  }
  restore(): void {}
  isDestroyed(): boolean {
    return this.destroyed;
  }
  close(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.webContents.destroyed = true;
    this.webContents.emit('destroyed');
    this.emit('closed');
    BrowserWindow.all = BrowserWindow.all.filter((w) => w !== this);
    if (BrowserWindow.all.length === 0) app.emit('window-all-closed');
  }
}

class FakeIpcMain extends EventEmitter {
  readonly handlers = new Map<string, (...args: unknown[]) => unknown>();
  handle(channel: string, fn: (...args: unknown[]) => unknown): void {
    if (this.handlers.has(channel)) throw new Error(`second handler for ${channel}`);
    this.handlers.set(channel, fn);
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }
}

export const ipcMain = new FakeIpcMain();

/** What a page's preload gets as ipcRenderer, as if it were loaded into `win` (at its current URL). */
export function rendererIpc(win: BrowserWindow) {
  const contents = win.webContents;
  const event = () => ({ sender: contents, senderFrame: { url: contents.url } });
  return {
    async invoke(channel: string, ...args: unknown[]): Promise<unknown> {
      const handler = ipcMain.handlers.get(channel);
      if (!handler) throw new Error(`No handler registered for '${channel}'`);
      return structuredClone(await handler(event(), ...structuredClone(args)));
    },
    send(channel: string, ...args: unknown[]): void {
      ipcMain.emit(channel, event(), ...structuredClone(args));
    },
    on(channel: string, listener: Listener) {
      contents.rendererListeners.set(channel, [...(contents.rendererListeners.get(channel) ?? []), listener]);
      return this;
    },
  };
}

class FakeApp extends EventEmitter {
  userData = '';
  hasLock = true;
  exitCode: number | undefined;
  quitting = false;
  /** Resolves when the app has quit or exited. */
  done!: Promise<void>;
  private finish!: () => void;

  constructor() {
    super();
    this.reset('');
  }
  reset(userData: string): void {
    this.removeAllListeners();
    this.userData = userData;
    this.hasLock = true;
    this.exitCode = undefined;
    this.quitting = false;
    this.done = new Promise((resolve) => (this.finish = resolve));
  }

  getPath(name: string): string {
    if (name !== 'userData') throw new Error(`unexpected app.getPath(${name})`);
    return this.userData;
  }
  requestSingleInstanceLock(): boolean {
    return this.hasLock;
  }
  whenReady(): Promise<void> {
    return Promise.resolve();
  }
  /** Like Electron: before-quit may be prevented; otherwise the app is done. */
  quit(): void {
    let prevented = false;
    this.emit('before-quit', { preventDefault: () => (prevented = true) });
    if (prevented) return;
    this.quitting = true;
    this.finish();
  }
  exit(code: number): void {
    this.exitCode = code;
    this.finish();
  }
}

export const app = new FakeApp();

export const dialog = { errors: [] as { title: string; content: string }[], showErrorBox: (title: string, content: string) => dialog.errors.push({ title, content }) };

export const shell = {
  opened: [] as string[],
  shown: [] as string[],
  openExternal: (url: string) => {
    shell.opened.push(url);
    return Promise.resolve();
  },
  showItemInFolder: (path: string) => shell.shown.push(path),
};

export const Menu = {
  current: [] as MenuItem[],
  buildFromTemplate: (template: MenuItem[]) => template,
  setApplicationMenu: (menu: MenuItem[]) => (Menu.current = menu),
};

/** The menu item with this label, anywhere in the application menu. */
export function menuItem(label: string): MenuItem {
  const walk = (items: MenuItem[]): MenuItem | undefined => {
    for (const i of items) {
      if (i.label === label) return i;
      const inner = i.submenu && walk(i.submenu);
      if (inner) return inner;
    }
    return undefined;
  };
  const found = walk(Menu.current);
  if (!found) throw new Error(`no menu item "${label}"`);
  return found;
}

export const protocol = {
  privileged: [] as { scheme: string; privileges: Record<string, boolean> }[],
  handlers: new Map<string, (request: Request) => Promise<Response> | Response>(),
  registerSchemesAsPrivileged: (schemes: { scheme: string; privileges: Record<string, boolean> }[]) => protocol.privileged.push(...schemes),
  handle: (scheme: string, handler: (request: Request) => Promise<Response> | Response) => protocol.handlers.set(scheme, handler),
};

/** What Electron tells a permission handler of the frame that asks (PermissionRequest, PermissionCheckHandlerHandlerDetails). */
export interface PermissionDetails {
  isMainFrame: boolean;
  requestingUrl?: string;
}
type RequestHandler = (contents: unknown, permission: string, callback: (ok: boolean) => void, details: PermissionDetails & { requestingUrl: string }) => void;
type CheckHandler = (contents: unknown, permission: string, origin: string, details: PermissionDetails) => boolean;

export const session = {
  defaultSession: {
    permissionHandler: undefined as RequestHandler | undefined,
    permissionCheckHandler: undefined as CheckHandler | undefined,
    setPermissionRequestHandler(fn: RequestHandler) {
      this.permissionHandler = fn;
    },
    setPermissionCheckHandler(fn: CheckHandler) {
      this.permissionCheckHandler = fn;
    },
  },
};

/** The preload side: what contextBridge exposed, and the ipcRenderer the preload module uses. */
export const mainWorld: Record<string, unknown> = {};
export const contextBridge = { exposeInMainWorld: (key: string, api: unknown) => (mainWorld[key] = api) };
let preloadTarget: ReturnType<typeof rendererIpc> | undefined;
export function loadPreloadInto(win: BrowserWindow): void {
  preloadTarget = rendererIpc(win);
}
export const ipcRenderer = {
  invoke: (channel: string, ...args: unknown[]) => preloadTarget!.invoke(channel, ...args),
  send: (channel: string, ...args: unknown[]) => preloadTarget!.send(channel, ...args),
  on: (channel: string, listener: Listener) => preloadTarget!.on(channel, listener),
};

/** A fresh app for the next test; windows and IPC handlers of the last one are dropped. */
export function reset(userData: string): FakeApp {
  app.reset(userData);
  ipcMain.handlers.clear();
  ipcMain.removeAllListeners();
  BrowserWindow.all = [];
  dialog.errors.length = 0;
  shell.opened.length = 0;
  shell.shown.length = 0;
  Menu.current = [];
  protocol.handlers.clear();
  protocol.privileged.length = 0;
  return app;
}
