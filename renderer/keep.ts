/**
 * What the console keeps across reloads and restarts, in the page's localStorage: the
 * Composer's sent history and the operator's own templates. They are the operator's, not the
 * relay's: kept in the UI, they need no file on the relay's disk and nothing the relay must
 * guard. The browser console keeps them per relay address (an origin is host and port), and
 * the desktop app under its own app://switchboard origin in its user-data folder, so both
 * survive a reload and a restart of the relay or the app.
 */
const PREFIX = 'switchboard.';

/** The page's localStorage; absent where the store runs outside a page (tests in Node). */
interface KeptStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}
const storage = (): KeptStorage | undefined => (globalThis as { localStorage?: KeptStorage }).localStorage;

export function loadKept<T>(key: string, valid: (v: unknown) => v is T, fallback: T): T {
  try {
    const raw = storage()?.getItem(PREFIX + key) ?? null;
    if (raw === null) return fallback;
    const v: unknown = JSON.parse(raw);
    return valid(v) ? v : fallback;
  } catch {
    return fallback;
  }
}

/** Saves a value; a full or refused storage only means it is not kept. */
export function saveKept(key: string, value: unknown): void {
  try {
    storage()?.setItem(PREFIX + key, JSON.stringify(value));
  } catch {
    // Private windows and full quotas refuse: the console goes on without keeping it.
  }
}
