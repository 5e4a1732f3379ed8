import type { IpcMain, IpcMainEvent, IpcMainInvokeEvent, WebContents } from 'electron';
import type { ConsoleService, ConsoleSession } from '../../relay/console/service.js';
import { EVENT_CHANNEL, REQUEST_CHANNEL, SUBSCRIBE_CHANNEL, UNSUBSCRIBE_CHANNEL, isConsoleOp, type Reply } from '../shared/bridge.js';
import { APP_ORIGIN } from './scheme.js';

interface WindowSession {
  session: ConsoleSession;
  /** Events go to the page only while its bridge has listeners. */
  subscribed: boolean;
  detach(): void;
}

/**
 * Carries the console API between pages and the service: one session per page, opened at its
 * first message and closed when the page navigates away or its window goes. Only pages of the
 * app's own origin are heard, and only the ops of the contract.
 */
export class ConsoleIpc {
  private readonly sessions = new Map<number, WindowSession>();

  constructor(
    private readonly ipc: Pick<IpcMain, 'handle' | 'on' | 'removeHandler' | 'removeAllListeners'>,
    private readonly service: Pick<ConsoleService, 'session'>,
  ) {
    ipc.handle(REQUEST_CHANNEL, (e, op: unknown, params: unknown) => this.request(e, op, params));
    ipc.on(SUBSCRIBE_CHANNEL, (e) => this.subscribe(e, true));
    ipc.on(UNSUBSCRIBE_CHANNEL, (e) => this.subscribe(e, false));
  }

  private async request(e: IpcMainInvokeEvent, op: unknown, params: unknown): Promise<Reply> {
    const ws = this.sessionFor(e);
    if (!ws) return { ok: false, error: 'this page may not use the console API' };
    if (!isConsoleOp(op)) return { ok: false, error: `unknown console op ${JSON.stringify(op)}` };
    try {
      // The service checks every parameter, as it does for the browser console's.
      return { ok: true, result: await ws.session.request(op, params as never) };
    } catch (err) {
      return { ok: false, error: err instanceof Error ? err.message : String(err) };
    }
  }

  private subscribe(e: IpcMainEvent, on: boolean): void {
    const ws = this.sessionFor(e);
    if (ws) ws.subscribed = on;
  }

  private sessionFor(e: IpcMainEvent | IpcMainInvokeEvent): WindowSession | undefined {
    if (!e.senderFrame?.url.startsWith(APP_ORIGIN + '/')) return undefined;
    const contents = e.sender;
    const known = this.sessions.get(contents.id);
    if (known) return known;
    const ws: WindowSession = { subscribed: false, session: this.service.session(), detach: () => undefined };
    ws.session.onEvent((event) => {
      if (ws.subscribed && !contents.isDestroyed()) contents.send(EVENT_CHANNEL, event);
    });
    ws.detach = this.watchPage(contents, () => this.end(contents.id));
    this.sessions.set(contents.id, ws);
    return ws;
  }

  /** Calls `gone` when the page is replaced (navigation, reload) or its contents are destroyed. */
  private watchPage(contents: WebContents, gone: () => void): () => void {
    const navigated = (details: { isMainFrame: boolean; isSameDocument: boolean }): void => {
      if (details.isMainFrame && !details.isSameDocument) gone();
    };
    contents.on('did-start-navigation', navigated);
    contents.once('destroyed', gone);
    return () => {
      contents.off('did-start-navigation', navigated);
      contents.off('destroyed', gone);
    };
  }

  private end(id: number): void {
    const ws = this.sessions.get(id);
    if (!ws) return;
    this.sessions.delete(id);
    ws.detach();
    ws.session.close();
  }

  /** Closes every session and stops listening (at quit). */
  close(): void {
    for (const id of [...this.sessions.keys()]) this.end(id);
    this.ipc.removeHandler(REQUEST_CHANNEL);
    this.ipc.removeAllListeners(SUBSCRIBE_CHANNEL);
    this.ipc.removeAllListeners(UNSUBSCRIBE_CHANNEL);
  }
}
