import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { get } from 'node:https';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../relay/config/load.js';
import { Relay } from '../../relay/relay.js';
import { Client } from '../helpers/client.js';
import { runCli, type Spawned } from '../helpers/process.js';
import { startRelay, type Running } from '../helpers/relay.js';

type Msg = Record<string, unknown>;

let dir: string;
let tlsCert: string;
let tlsKey: string;
let ca: Buffer;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'switchboard-tls-'));
  tlsCert = join(dir, 'cert.pem');
  tlsKey = join(dir, 'key.pem');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-keyout', tlsKey, '-out', tlsCert,
  ], { stdio: 'ignore' });
  ca = readFileSync(tlsCert);
});

let relay: Running | undefined;
const running: Spawned[] = [];
afterEach(async () => {
  await relay?.stop();
  relay = undefined;
  for (const p of running.splice(0)) if (p.child.exitCode === null) p.child.kill('SIGKILL');
});

/** A port that was free a moment ago, for a pinned listener (which cannot take port 0). */
function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

function httpsGet(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    get(url, { ca }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject);
  });
}

describe('TLS', () => {
  it('serves wss:// and https:// with the configured certificate, and lists wss:// URLs', async () => {
    relay = await startRelay({ tlsCert, tlsKey, listeners: [`msg-relay:${await freePort()}`] });
    const urls = relay.relay.listeners.flatMap((l) => l.urls);
    expect(urls.length).toBe(2);
    for (const u of urls) expect(u).toMatch(/^wss:\/\/127\.0\.0\.1:\d+\/$/);
    const wss = `wss://127.0.0.1:${relay.port}/?group=tls`;
    const a = await Client.open(wss, { ca });
    const { connection_id: aId } = await a.json<Msg>();
    const b = await Client.open(`${urls[1]}?group=tls`, { ca });
    await b.next();
    expect((await a.json<Msg>()).message_type).toBe('peer_connect');
    b.sendJson({ to: aId, over: 'tls' });
    expect(await a.json()).toMatchObject({ over: 'tls', message_type: 'peer_communication' });
    expect(await httpsGet(`https://127.0.0.1:${relay.port}/healthz`)).toMatchObject({ status: 200, body: expect.stringContaining('"peers":2') });
    await a.close();
    await b.close();
  });

  it('refuses a client that does not trust the certificate, and plain ws:// on the TLS port', async () => {
    relay = await startRelay({ tlsCert, tlsKey });
    await expect(Client.open(`wss://127.0.0.1:${relay.port}/`)).rejects.toThrow(/self[- ]signed/i);
    await expect(Client.open(`ws://127.0.0.1:${relay.port}/`)).rejects.toThrow();
    const ok = await Client.open(`wss://127.0.0.1:${relay.port}/`, { ca });
    expect((await ok.json<Msg>()).message_type).toBe('connection_id');
    await ok.close();
  });

  it('drops a connection whose TLS handshake never starts after handshakeTimeoutMs', async () => {
    relay = await startRelay({ tlsCert, tlsKey, handshakeTimeoutMs: 200 });
    const socket = connect(relay.port, '127.0.0.1');
    socket.on('error', () => undefined);
    const closed = new Promise<'closed'>((resolve) => socket.on('close', () => resolve('closed')));
    expect(await Promise.race([closed, new Promise((resolve) => setTimeout(() => resolve('still open'), 5000))])).toBe('closed');
  });

  it('names the key when a file cannot be read, or only one of the pair is set', async () => {
    const bad = new Relay(loadConfig({ overrides: { port: 0, tlsCert: join(dir, 'missing.pem'), tlsKey } }));
    await expect(bad.start()).rejects.toThrow(`key "tlsCert": cannot read "${join(dir, 'missing.pem')}" (ENOENT)`);
    expect(() => loadConfig({ overrides: { tlsCert } })).toThrow('key "tlsKey" must be set together with "tlsCert"');
  });

  it('is switched on by --tls-cert and --tls-key, and the CLI prints wss:// URLs and an https:// console that answers', async () => {
    const p = runCli(['serve', '--port', '0', '--tls-cert', tlsCert, '--tls-key', tlsKey]);
    running.push(p);
    const [, url] = await p.waitFor(/msg-relay[^\n]* on (wss:\/\/127\.0\.0\.1:\d+\/)/);
    const [, consoleUrl] = await p.waitFor(/console (\S+)/);
    expect(consoleUrl).toMatch(new RegExp(`^${url!.replace('wss:', 'https:')}console/#token=`));
    expect((await httpsGet(consoleUrl!.replace(/#.*/, ''))).status).toBe(200);
    const c = await Client.open(url!, { ca });
    expect((await c.json<Msg>()).message_type).toBe('connection_id');
    p.child.kill('SIGTERM');
    expect(await c.closed).toEqual({ code: 1001, reason: 'Switchboard is shutting down' });
  });
});
