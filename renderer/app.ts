import { useStore } from 'zustand';
import { captureView } from '../relay/console/capture-view.js';
import type { ConsoleClient } from '../relay/console/types.js';
import { CaptureClient } from './client/capture-client.js';
import { pickClient } from './client/pick.js';
import { hashView } from './hash.js';
import { connectStore, createConsoleStore, type ConsoleState } from './store.js';

/** The console's one client and one store, whatever shell it runs in. */
export let client: ConsoleClient = pickClient();
export const store = createConsoleStore(hashView(location.hash));
export let controller = connectStore(store, client);

/**
 * Shows a capture file instead of the relay: every view browses it as it would live traffic,
 * with no relay needed. A file that is not a capture throws, and the relay stays shown.
 */
export async function openCapture(file: File): Promise<void> {
  const view = captureView(await file.text());
  controller.dispose();
  client.close?.();
  client = new CaptureClient(view, file.name);
  store.getState().clearSource();
  controller = connectStore(store, client);
}

export function useConsole<T>(select: (s: ConsoleState) => T): T {
  return useStore(store, select);
}
