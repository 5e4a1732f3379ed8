import { get } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { ConsoleService } from '../../relay/console/service.js';
import { sign } from '../../relay/dialects/channelstream/signer.js';
import { ConsoleApiClient } from '../helpers/console-api.js';
import { assertAlive } from '../helpers/liveness.js';
import { runCli, type Spawned } from '../helpers/process.js';
import { startRelay, type Running } from '../helpers/relay.js';

/** Shared beyond this machine, no protocol runs on the originals' well-known secrets. */

const running: Spawned[] = [];
const closers: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
  for (const p of running.splice(0)) if (p.child.exitCode === null) p.child.kill('SIGKILL');
});

/** A signed channelstream GET /info to the relay on 127.0.0.1, on a connection of its own (the listeners move in one test). */
const info = (port: number, secret: string): Promise<number> =>
  new Promise((resolve, reject) => {
    const req = get({ host: '127.0.0.1', port, path: '/info', agent: false, headers: { 'x-channelstream-secret': sign(secret, 'channelstream') } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
  });
const adminSignIn = (port: number, password: string): Promise<number> =>
  fetch(`http://127.0.0.1:${port}/admin/sign_in`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: `username=admin&password=${password}`,
    redirect: 'manual',
  }).then((r) => r.status);

async function serve(args: string[]): Promise<{ p: Spawned; port: number }> {
  const p = runCli(['serve', '--port', '0', '--console-token', 'sesame', ...args]);
  running.push(p);
  const [, port] = await p.waitFor(/console http:\/\/127\.0\.0\.1:(\d+)\/console\//);
  return { p, port: Number(port) };
}

describe('channelstream secrets on the LAN', () => {
  it('bound beyond loopback, the CLI replaces the default secret and admin password, and says where to read them', async () => {
    const { p, port } = await serve(['--host', '0.0.0.0']);
    const lines = p.output().split('\n');
    expect(lines.filter((l) => l.includes('on a relay shared beyond this machine'))).toEqual([
      `switchboard: warn: channelstreamSecret was the well-known default "secret" on a relay shared beyond this machine (0.0.0.0): using a generated one; read it in the console's Settings (channelstreamSecret, Show), or set your own`,
      `switchboard: warn: channelstreamAdminSecret was the well-known default "admin_secret" on a relay shared beyond this machine (0.0.0.0): using a generated one; read it in the console's Settings (channelstreamAdminSecret, Show), or set your own`,
    ]);
    expect(await info(port, 'secret')).toBe(401);
    expect(await adminSignIn(port, 'admin_secret')).toBe(403);
    const api = await ConsoleApiClient.open(`ws://127.0.0.1:${port}/console/api?token=sesame`);
    closers.push(() => api.close());
    const settings = await api.result<{ channelstreamSecret: string; channelstreamAdminSecret: string }>('getSettings', {});
    expect(settings.channelstreamSecret).toMatch(/^[\w-]{32}$/);
    expect(settings.channelstreamAdminSecret).toMatch(/^[\w-]{32}$/);
    expect(await info(port, settings.channelstreamSecret)).toBe(200);
    expect(await adminSignIn(port, settings.channelstreamAdminSecret)).toBe(302);
    // Nothing secret is written to the output: only where to read it.
    expect(p.output()).not.toContain(settings.channelstreamSecret);
    await assertAlive({ port });
  });

  it('on loopback keeps the originals’ defaults, which their clients and tests expect', async () => {
    const { p, port } = await serve([]);
    expect(p.output()).not.toContain('shared beyond this machine');
    expect(await info(port, 'secret')).toBe(200);
    expect(await adminSignIn(port, 'admin_secret')).toBe(302);
  });

  it('keeps a secret the operator chose, and treats an empty one as well known', async () => {
    const r: Running = await startRelay({ host: '0.0.0.0', channelstreamSecret: 'chosen-by-the-operator', channelstreamAdminSecret: '' });
    closers.push(() => r.stop());
    expect(await info(r.port, 'chosen-by-the-operator')).toBe(200);
    expect(r.relay.config.channelstreamAdminSecret).toMatch(/^[\w-]{32}$/);
    expect(r.relay.log.recent().map((e) => e.message)).toEqual(expect.arrayContaining([expect.stringMatching(/^channelstreamAdminSecret was empty on a relay shared/)]));
  });

  it('shared on the LAN while running (the desktop app’s Share on LAN), the new secret holds at once', async () => {
    const r = await startRelay();
    closers.push(() => r.stop());
    const service = new ConsoleService(r.relay);
    closers.push(() => service.stop());
    const s = service.session();
    expect(await info(r.port, 'secret')).toBe(200);
    const { settings, restarted, pending } = await s.request('updateSettings', { patch: { host: '0.0.0.0' } });
    expect(restarted).toBe(true);
    expect(pending).toEqual([]);
    const port = r.relay.listeners[0]!.port;
    expect(await info(port, 'secret')).toBe(401);
    expect(await info(port, settings.channelstreamSecret)).toBe(200);
    expect(r.relay.log.recent().filter((e) => e.event === 'secret')).toHaveLength(2);
    // Back on loopback the generated secret stays: nothing falls back to a well-known one.
    await s.request('updateSettings', { patch: { host: '127.0.0.1' } });
    expect(await info(r.relay.listeners[0]!.port, settings.channelstreamSecret)).toBe(200);
  });
});
