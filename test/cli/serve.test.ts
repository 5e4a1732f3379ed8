import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Client } from '../helpers/client.js';
import { runCli, type Spawned } from '../helpers/process.js';

const running: Spawned[] = [];
afterEach(() => {
  for (const p of running.splice(0)) if (p.child.exitCode === null) p.child.kill('SIGKILL');
});

function serve(args: string[], env: NodeJS.ProcessEnv = {}): Spawned {
  const p = runCli(['serve', ...args], env);
  running.push(p);
  return p;
}

describe('switchboard serve', () => {
  it.each(['SIGINT', 'SIGTERM'] as const)('prints its listener, relays, and on %s closes sockets with 1001 and exits 0', async (signal) => {
    const p = serve(['--port', '0']);
    const [, url] = await p.waitFor(/msg-relay[^\n]* on (ws:\/\/127\.0\.0\.1:\d+\/)/);
    const c = await Client.open(url!);
    expect((await c.json()).message_type).toBe('connection_id');
    p.child.kill(signal);
    expect(await c.closed).toEqual({ code: 1001, reason: 'Switchboard is shutting down' });
    expect(await p.exited).toEqual({ code: 0, signal: null });
  });

  it('takes settings from the environment and a config file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchboard-cli-'));
    const config = join(dir, 'switchboard.json');
    writeFileSync(config, JSON.stringify({ msgRelayDefaultGroup: 'fromfile' }));
    const p = serve(['--config', config], { SWITCHBOARD_PORT: '0' });
    const [, url] = await p.waitFor(/on (ws:\/\/127\.0\.0\.1:\d+\/)/);
    const a = await Client.open(url!);
    const b = await Client.open(url!, { headers: { 'x-peer-group': 'fromfile' } });
    await a.next();
    await b.next();
    // Only peers of the same group hear of each other: a landed in the file's default group.
    expect((await a.json()).message_type).toBe('peer_connect');
    await a.close();
    await b.close();
    p.child.kill('SIGTERM');
    expect((await p.exited).code).toBe(0);
  });

  it.each([
    [['--bogus', '1'], 'switchboard: unknown flag "--bogus" (see --help)'],
    [['--port', 'x'], 'switchboard: flag "--port": expected a whole number, got "x"'],
  ])('exits 2 with one clear line for %j', async (args, line) => {
    const p = serve(args);
    expect(await p.exited).toEqual({ code: 2, signal: null });
    expect(p.output().trim()).toBe(line);
  });

  it('exits 2 naming a bad config key', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchboard-cli-'));
    const config = join(dir, 'bad.json');
    writeFileSync(config, JSON.stringify({ port: 0, maxQueueByte: 5 }));
    const p = serve(['--config', config]);
    expect(await p.exited).toEqual({ code: 2, signal: null });
    expect(p.output().trim()).toBe(`switchboard: config file "${config}": unknown key "maxQueueByte"`);
  });

  it('exits 1 with one line when its port is taken', async () => {
    const first = serve(['--port', '0']);
    const [, port] = await first.waitFor(/127\.0\.0\.1:(\d+)\//);
    const second = serve(['--port', port!]);
    expect((await second.exited).code).toBe(1);
    expect(second.output().trim()).toBe(`switchboard: port ${port} on 127.0.0.1 is already in use`);
  });

  it('prints usage with every flag for --help', async () => {
    const p = runCli(['serve', '--help']);
    expect((await p.exited).code).toBe(0);
    expect(p.output()).toContain('--msg-relay-max-frame-bytes');
    expect(p.output()).toContain('--port');
  });
});
