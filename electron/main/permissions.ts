import { APP_ORIGIN } from './scheme.js';

/**
 * The one permission the console's pages use: the copy buttons call navigator.clipboard.writeText,
 * which Electron asks the session for as 'clipboard-sanitized-write' (a check first, a request
 * when the check says no). A clipboard write is sanitized and needs a click, as in a browser.
 */
const GRANTED: ReadonlySet<string> = new Set(['clipboard-sanitized-write']);

/** Whether a URL or an origin is the app's own (app://switchboard). Not `URL.origin`: outside Chromium it is opaque for app://. */
function isAppOrigin(urlOrOrigin: string | undefined): boolean {
  if (!urlOrOrigin) return false;
  try {
    const u = new URL(urlOrOrigin);
    return `${u.protocol}//${u.host}` === APP_ORIGIN;
  } catch {
    return false;
  }
}

/**
 * Whether a permission is granted to a frame: only GRANTED, only to the main frame of a page of
 * the app's own origin. The share page and relay pages (http://) and any subframe get nothing.
 */
export function allowsPermission(permission: string, urlOrOrigin: string | undefined, isMainFrame: boolean): boolean {
  return GRANTED.has(permission) && isMainFrame && isAppOrigin(urlOrOrigin);
}
