/**
 * The URL of a request as the relay reads it. A path is read as a path: `new URL(target, base)`
 * would take `//x/y` for a host and throw on `//`, and Node hands the target over unchecked.
 * An absolute URL (a proxy's form) is read as one. Anything else is not a request the relay can
 * route: undefined, and the caller refuses it with 400.
 */
export function requestUrl(target: string | undefined): URL | undefined {
  const raw = target ?? '/';
  try {
    return raw.startsWith('/') ? new URL(`http://relay${raw}`) : new URL(raw);
  } catch {
    return undefined;
  }
}

export const unreadableTarget = (target: string | undefined): string =>
  `the request target ${JSON.stringify(target ?? '')} is neither a path nor an absolute URL`;

/**
 * The request target without one query parameter, every other byte as sent: a protocol that
 * names rooms by the whole target (spacewar) must see what the client sent, not a URL
 * re-serialized by URLSearchParams (`a%20b` would become `a+b`, `?flag` would become `?flag=`).
 */
export function withoutQueryParam(target: string, name: string): string {
  const cut = target.indexOf('?');
  if (cut < 0) return target;
  const kept = target
    .slice(cut + 1)
    .split('&')
    .filter((pair) => new URLSearchParams(pair).keys().next().value !== name);
  return kept.length > 0 ? `${target.slice(0, cut)}?${kept.join('&')}` : target.slice(0, cut);
}
