/**
 * What both demos share: the relay's WebSocket address on the host that served the page (so a
 * phone on the LAN reaches the same relay), and a tiny element builder.
 */

/** ws:// or wss:// to match the page, on the page's own host and port. */
export function relaySocketUrl(pathAndQuery: string): string {
  return `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}${pathAndQuery}`;
}

type Attrs = Record<string, string | number | boolean | undefined>;

/** An element with attributes (`class`, `data-*`, `aria-*`, …) and text or child elements. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    el.setAttribute(name, value === true ? '' : String(value));
  }
  el.append(...children);
  return el;
}

/** The element with this id, which the page's HTML must have. */
export function byId<T extends HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`the page has no #${id}`);
  return el as T;
}

/** A hue for an id, spread so neighbours differ. */
export function hueOf(key: string): number {
  let n = 0;
  for (const c of key) n = (n * 31 + c.charCodeAt(0)) % 3600;
  return (n * 137) % 360;
}

/** hh:mm in the viewer's locale. */
export function clock(at: Date): string {
  return at.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}
