import type { OutgoingHttpHeaders } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { ProxyTrust } from '../../relay/net/remote.js';
import { Client } from '../helpers/client.js';
import { startRelay, type Running } from '../helpers/relay.js';

let running: Running | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
});

/** Connects a msg-relay client from 127.0.0.1 with these headers and returns the address the relay recorded. */
async function recorded(trustProxy: string[], headers: OutgoingHttpHeaders): Promise<string> {
  running = await startRelay({ trustProxy });
  // ws types headers as strings; node's http writes an array as one header line per item.
  const client = await Client.open(`${running.url}/msg-relay`, { headers: headers as Record<string, string> });
  const { connection_id: id } = await client.json<{ connection_id: string }>();
  const peer = [...running.relay.hub.peers('msg-relay')].find((p) => p.id === id);
  await client.close();
  return peer!.remote;
}

describe('the client address behind a reverse proxy', () => {
  it('ignores X-Forwarded-For when no proxy is trusted', async () => {
    expect(await recorded([], { 'x-forwarded-for': '203.0.113.7' })).toBe('127.0.0.1');
  });

  it('ignores X-Forwarded-For from an address that is not a trusted proxy', async () => {
    expect(await recorded(['10.0.0.0/8', '::1'], { 'x-forwarded-for': '203.0.113.7' })).toBe('127.0.0.1');
  });

  it('takes the forwarded address from a trusted proxy', async () => {
    expect(await recorded(['127.0.0.1'], { 'x-forwarded-for': '203.0.113.7' })).toBe('203.0.113.7');
  });

  it('walks back past trusted hops only, so a client cannot forge the left of the chain', async () => {
    // The client claimed 198.51.100.1; the edge proxy (10.1.2.3) saw 203.0.113.7; nginx on loopback saw the edge.
    const headers = { 'x-forwarded-for': '198.51.100.1, 203.0.113.7, 10.1.2.3' };
    expect(await recorded(['127.0.0.0/8', '10.0.0.0/8'], headers)).toBe('203.0.113.7');
  });

  it('reads every X-Forwarded-For header line, and IPv6 hops', async () => {
    const headers = { 'x-forwarded-for': ['198.51.100.1', '2001:db8::5, ::ffff:127.0.0.2'] };
    expect(await recorded(['127.0.0.0/8'], headers)).toBe('2001:db8::5');
  });

  it('stops at a hop that is not an address, keeping the proxy that wrote it', async () => {
    expect(await recorded(['127.0.0.1'], { 'x-forwarded-for': '203.0.113.7, unknown' })).toBe('127.0.0.1');
  });

  it('uses the TCP address when a trusted proxy sends no header', async () => {
    expect(await recorded(['127.0.0.1'], {})).toBe('127.0.0.1');
  });
});

describe('ProxyTrust', () => {
  it('accepts addresses and CIDR ranges of both families', () => {
    const trust = new ProxyTrust(['192.168.1.0/24', '::1', '2001:db8::/32', '10.9.8.7']);
    expect(['192.168.1.77', '::1', '2001:db8:1::9', '10.9.8.7', '::ffff:192.168.1.2'].map((a) => trust.trusts(a))).toEqual([true, true, true, true, true]);
    expect(['192.168.2.1', '::2', '2001:db9::1', '10.9.8.6', 'nonsense'].map((a) => trust.trusts(a))).toEqual([false, false, false, false, false]);
  });

  it('refuses items that are not addresses or ranges, naming them', () => {
    for (const bad of ['localhost', '10.0.0.0/33', '::1/129', '1.2.3.4/8/8', '1.2.3.4/', ''])
      expect(() => new ProxyTrust([bad]), bad).toThrow(`"${bad}" is not an IP address`);
  });
});
