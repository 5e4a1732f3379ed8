import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { remoteAddress } from '../net/remote.js';

/**
 * Who may reach the console API (/console/api): a page of the relay's own origin or the desktop
 * window, with the console's token; an address that keeps sending wrong tokens is slowed down.
 */

/** The desktop window's origin (electron/main/scheme.ts serves the console there). */
export const DESKTOP_ORIGIN = 'app://switchboard';
/** Wrong tokens an address may send before it is slowed. */
export const FREE_FAILURES = 5;
/** The first wait after them; each further wrong token doubles it, up to MAX_WAIT_MS. */
const FIRST_WAIT_MS = 1000;
const MAX_WAIT_MS = 60_000;
/** An address with no wrong token for this long starts afresh. */
const FORGET_MS = 10 * 60_000;
/** Addresses remembered at most; past it the oldest is forgotten, so the table stays bounded. */
const MAX_ADDRESSES = 10_000;

export interface GateRefusal {
  status: 401 | 403 | 429;
  reason: string;
  headers: Record<string, string>;
  /** Worth a line in the relay's log (a refusal while an address waits is not: it would flood it). */
  log: boolean;
}

interface Failures {
  count: number;
  last: number;
  /** No token is looked at from this address before this time. */
  until: number;
}

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/**
 * Whether an Origin header is the console's own: the host the request was sent to (the page was
 * served from this very address), or the desktop window. A request with no Origin is not from a
 * page (browsers always send one on a WebSocket and on a cross-origin fetch): a script holding the
 * token is as trusted as the token, so it is let through to the token check.
 */
export function ownOrigin(origin: string | undefined, host: string | undefined): boolean {
  if (origin === undefined) return true;
  if (origin === DESKTOP_ORIGIN) return true;
  let page: URL;
  try {
    page = new URL(origin);
  } catch {
    return false;
  }
  if ((page.protocol !== 'http:' && page.protocol !== 'https:') || host === undefined) return false;
  try {
    // The same scheme for both, so a default port written out (host:80) compares equal to none.
    return new URL(`${page.protocol}//${host}`).host === page.host;
  } catch {
    return false;
  }
}

export class ConsoleGate {
  private readonly token: Buffer;
  private readonly failures = new Map<string, Failures>();

  constructor(
    token: string,
    private readonly now: () => number = Date.now,
  ) {
    this.token = digest(token);
  }

  /** Origin, then the wait of a slowed address, then the token; undefined lets the request in. */
  check(req: IncomingMessage, given: string | null): GateRefusal | undefined {
    const origin = req.headers.origin;
    if (!ownOrigin(origin, req.headers.host))
      return { status: 403, reason: `origin ${origin} may not use the console API: open the console from this relay's own address`, headers: {}, log: true };
    const address = remoteAddress(req);
    const now = this.now();
    const seen = this.failures.get(address);
    if (seen && now - seen.last > FORGET_MS) this.failures.delete(address);
    else if (seen && now < seen.until) return this.slowed(seen, now, false);
    if (given !== null && timingSafeEqual(digest(given), this.token)) {
      this.failures.delete(address);
      return undefined;
    }
    return this.failed(address, now);
  }

  private failed(address: string, now: number): GateRefusal {
    const f = this.failures.get(address) ?? { count: 0, last: now, until: 0 };
    this.failures.delete(address);
    f.count++;
    f.last = now;
    if (f.count > FREE_FAILURES) f.until = now + Math.min(MAX_WAIT_MS, FIRST_WAIT_MS * 2 ** (f.count - FREE_FAILURES - 1));
    // Re-inserted, so the map's first entry is the address that failed longest ago.
    this.failures.set(address, f);
    if (this.failures.size > MAX_ADDRESSES) this.failures.delete(this.failures.keys().next().value!);
    if (f.until > now) return this.slowed(f, now, true);
    return { status: 401, reason: 'the console token is missing or wrong', headers: {}, log: true };
  }

  private slowed(f: Failures, now: number, first: boolean): GateRefusal {
    const seconds = Math.max(1, Math.ceil((f.until - now) / 1000));
    return {
      status: 429,
      reason: `${f.count} wrong console tokens from this address: try again in ${seconds} s`,
      headers: { 'Retry-After': String(seconds) },
      log: first,
    };
  }
}
