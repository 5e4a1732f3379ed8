import { VIEWS, type View } from './store.js';

/**
 * The URL fragment names the view (#settings, as Electron's menu asks) and, in the browser
 * console, may carry the token too (#peers&token=…): both live side by side as parameters.
 */
export function hashView(hash: string): View | undefined {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  return VIEWS.find((v) => params.has(v));
}

/** The fragment for a view, keeping the token and anything else already there. */
export function withView(hash: string, view: View): string {
  const rest = [...new URLSearchParams(hash.replace(/^#/, ''))].filter(([k]) => !(VIEWS as readonly string[]).includes(k));
  return '#' + [view, ...rest.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)].join('&');
}
