import type { IncomingMessage } from 'node:http';
import { BlockList, isIP } from 'node:net';

const unmapped = (addr: string): string => (addr.startsWith('::ffff:') ? addr.slice(7) : addr);
const family = (addr: string): 'ipv4' | 'ipv6' => (isIP(addr) === 6 ? 'ipv6' : 'ipv4');

/**
 * The reverse proxies whose X-Forwarded-For header is believed. A list of addresses rather than
 * a yes/no switch: with a switch, any client that can reach the relay directly (it may be shared
 * on the LAN) could claim any address by sending the header itself.
 */
export class ProxyTrust {
  private readonly proxies = new BlockList();
  private readonly empty: boolean;

  /** Items are addresses or CIDR ranges, IPv4 or IPv6; a bad item throws an error naming it. */
  constructor(items: readonly string[]) {
    this.empty = items.length === 0;
    for (const item of items) {
      const [addr = '', bits, ...extra] = item.trim().split('/');
      const kind = isIP(addr);
      const max = kind === 6 ? 128 : 32;
      if (!kind || extra.length > 0 || (bits !== undefined && !(/^\d{1,3}$/.test(bits) && Number(bits) <= max)))
        throw new Error(`"${item}" is not an IP address or a CIDR range such as 10.0.0.0/8`);
      if (bits === undefined) this.proxies.addAddress(addr, family(addr));
      else this.proxies.addSubnet(addr, Number(bits), family(addr));
    }
  }

  trusts(addr: string): boolean {
    return !this.empty && isIP(addr) !== 0 && this.proxies.check(addr, family(addr));
  }
}

/**
 * The client's address: the TCP peer's, or, when that is a trusted proxy, the nearest hop in
 * X-Forwarded-For that is not itself a trusted proxy (read right to left, as each proxy appends
 * the address it saw). A hop that is not an address stops the walk at the proxy that wrote it.
 */
export function clientAddress(req: IncomingMessage, trust: ProxyTrust): string {
  let addr = unmapped(req.socket.remoteAddress ?? '');
  if (!trust.trusts(addr)) return addr;
  const hops = (req.headersDistinct['x-forwarded-for'] ?? []).join(',').split(',');
  for (let i = hops.length - 1; i >= 0 && trust.trusts(addr); i--) {
    const hop = unmapped(hops[i]!.trim());
    if (!isIP(hop)) break;
    addr = hop;
  }
  return addr;
}

/**
 * Each request's client address, settled once by the server under its trust settings, so every
 * dialect reads the same answer through remoteAddress() without knowing about proxies.
 */
const settled = new WeakMap<IncomingMessage, string>();

export function settleClientAddress(req: IncomingMessage, trust: ProxyTrust): void {
  settled.set(req, clientAddress(req, trust));
}

/** The client's address as the relay sees it, without the IPv4-mapped IPv6 prefix. */
export function remoteAddress(req: IncomingMessage): string {
  return settled.get(req) ?? unmapped(req.socket.remoteAddress ?? '');
}
