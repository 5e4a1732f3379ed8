import { useStore } from 'zustand';
import { pickClient } from './client/pick.js';
import { hashView } from './hash.js';
import { connectStore, createConsoleStore, type ConsoleState } from './store.js';

/** The console's one client and one store, whatever shell it runs in. */
export const client = pickClient();
export const store = createConsoleStore(hashView(location.hash));
export const controller = connectStore(store, client);

export function useConsole<T>(select: (s: ConsoleState) => T): T {
  return useStore(store, select);
}
