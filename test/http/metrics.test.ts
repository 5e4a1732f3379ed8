import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { serveConsole, type ConsoleServer } from '../../relay/console/http.js';
import { packageVersion } from '../../relay/http/static.js';
import { Client } from '../helpers/client.js';
import { refusal } from '../helpers/refusal.js';
import { startRelay, type Running } from '../helpers/relay.js';

const running: Running[] = [];
const consoles: ConsoleServer[] = [];
afterEach(async () => {
  for (const c of consoles.splice(0)) c.stop();
  for (const r of running.splice(0)) await r.stop();
});

async function start(overrides: Parameters<typeof startRelay>[0] = {}): Promise<Running> {
  const r = await startRelay(overrides);
  running.push(r);
  return r;
}

async function scrape(r: Running): Promise<{ text: string; value(series: string): number | undefined }> {
  const res = await fetch(`http://127.0.0.1:${r.port}/metrics`);
  expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
  const text = await res.text();
  const value = (series: string): number | undefined => {
    const line = text.split('\n').find((l) => l.startsWith(series + ' '));
    return line === undefined ? undefined : Number(line.slice(series.length + 1));
  };
  return { text, value };
}

/** Sends part of a request and waits until the relay drops the connection (its headers came too slowly). */
function slowHeaders(port: number): Promise<string> {
  return new Promise((resolve) => {
    let answer = '';
    const socket = connect(port, '127.0.0.1', () => socket.write('GET / HTTP/1.1\r\nHost: relay\r\n'));
    socket.on('data', (d: Buffer) => (answer += d.toString()));
    socket.on('close', () => resolve(answer));
  });
}

describe('/metrics', () => {
  it("has the process and Node metrics under prom-client's usual names, and the build", async () => {
    const m = await scrape(await start());
    for (const family of [
      'process_cpu_seconds_total counter',
      'process_resident_memory_bytes gauge',
      'process_start_time_seconds gauge',
      'process_open_fds gauge',
      'process_max_fds gauge',
      'nodejs_eventloop_lag_seconds gauge',
      'nodejs_eventloop_lag_p99_seconds gauge',
      'nodejs_heap_size_used_bytes gauge',
      'nodejs_heap_size_total_bytes gauge',
      'nodejs_gc_duration_seconds histogram',
      'nodejs_version_info gauge',
      'switchboard_build_info gauge',
    ])
      expect(m.text).toContain(`# TYPE ${family}\n`);
    expect(m.value('process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(m.value('process_start_time_seconds')).toBeLessThanOrEqual(Date.now() / 1000);
    expect(m.value(`switchboard_build_info{version="${packageVersion()}",node="${process.version}"}`)).toBe(1);
    expect(packageVersion()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('counts refused connections by status: 401, 403, 408, 429 and 431', async () => {
    const r = await start({ accessToken: 't0ken', allowedOrigins: ['http://ok.example'], maxConnectionsPerAddress: 2, maxMetaBytes: 16, handshakeTimeoutMs: 200 });
    const auth = { authorization: 'Bearer t0ken' };
    expect((await refusal(r.url)).status).toBe(401);
    expect((await refusal(`${r.url}/?token=wrong`)).status).toBe(401);
    expect((await refusal(r.url, { headers: { ...auth, origin: 'http://elsewhere.example' } })).status).toBe(403);
    expect((await refusal(r.url, { headers: { ...auth, 'x-peer-meta': 'm'.repeat(17) } })).status).toBe(431);
    expect((await refusal(r.url, { headers: { ...auth, 'x-peer-meta': 'm'.repeat(70_000) } })).status).toBe(431);
    const a = await Client.open(r.url, { headers: auth });
    const b = await Client.open(r.url, { headers: auth });
    expect((await refusal(r.url, { headers: auth })).status).toBe(429);
    expect(await slowHeaders(r.port)).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    // A plain request refused by the token counts too.
    expect((await fetch(`http://127.0.0.1:${r.port}/anything`)).status).toBe(401);
    const m = await scrape(r);
    expect(m.text).toContain('# TYPE switchboard_refused_total counter');
    const refused = (status: number): number | undefined => m.value(`switchboard_refused_total{status="${status}"}`);
    expect([401, 403, 408, 429, 431, 503].map(refused)).toEqual([3, 1, 1, 1, 2, 0]);
    await a.close();
    await b.close();
  });

  it('counts 503 for a full relay, and channelstream REST refusals', async () => {
    const r = await start({ maxConnections: 1, channelstreamSecret: 's', channelstreamAllowPostingFrom: ['127.0.0.1'] });
    const a = await Client.open(r.url);
    expect((await refusal(r.url)).status).toBe(503);
    // Unsigned: channelstream's REST API answers 403, as the original does.
    expect((await fetch(`http://127.0.0.1:${r.port}/message`, { method: 'POST', body: '[]' })).status).toBe(403);
    const m = await scrape(r);
    expect(m.value('switchboard_refused_total{status="503"}')).toBe(1);
    expect(m.value('switchboard_refused_total{status="403"}')).toBe(1);
    await a.close();
  });

  it('gauges rooms by protocol and open console sessions, read at scrape time', async () => {
    const r = await start();
    const console = serveConsole(r.relay);
    consoles.push(console);
    const clients = await Promise.all(['g1', 'g1', 'g2'].map((g) => Client.open(r.url, { headers: { 'x-peer-group': g } })));
    const s1 = console.service.session();
    console.service.session();
    let m = await scrape(r);
    expect(m.value('switchboard_rooms{protocol="msg-relay"}')).toBe(2);
    expect(m.value('switchboard_rooms{protocol="spacewar"}')).toBe(0);
    expect(m.value('switchboard_console_sessions')).toBe(2);
    s1.close();
    for (const c of clients) await c.close();
    // The relay sees a close a moment after the client does: scrape until it has (bounded).
    for (let i = 0; i < 100 && r.relay.hub.size > 0; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    m = await scrape(r);
    expect(m.value('switchboard_console_sessions')).toBe(1);
    expect(m.value('switchboard_rooms{protocol="msg-relay"}')).toBe(0);
  });
});
