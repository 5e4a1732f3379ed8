import { spawn, type ChildProcess } from 'node:child_process';
import { connect, createServer } from 'node:net';

/**
 * A redis-server of this machine's own for development and tests (`npm run cluster`, the
 * cluster tests and benchmarks): loopback only, nothing persisted, stopped by its pid.
 */

/** Debian's redis-server, which .ci/run installs. */
export const REDIS_SERVER = '/usr/bin/redis-server';

export interface LocalRedis {
  port: number;
  /** redis://127.0.0.1:PORT, as `--cluster` takes it. */
  url: string;
  pid(): number | undefined;
  /** Stops the server (SIGTERM, SIGKILL after a second); its port stays reserved for restart(). */
  stop(): Promise<void>;
  /** Starts it again on the same port, empty. */
  restart(): Promise<void>;
}

/** Resolves whether the server on this port answers PING with PONG within `ms`. */
export function ping(port: number, ms = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), ms);
    let reply = '';
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (d) => {
      reply += d.toString();
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
    socket.on('error', () => done(false));
  });
}

/** A port that was free on 127.0.0.1 a moment ago. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function answers(port: number, child: ChildProcess, output: () => string, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}: ${output().trim()}`);
    if (await ping(port)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`redis-server on port ${port} did not answer PING within ${ms} ms: ${output().trim()}`);
}

/** Starts redis-server on 127.0.0.1 (a free port unless one is given), working in `dir`. */
export async function startLocalRedis(dir: string, port?: number, binary = REDIS_SERVER): Promise<LocalRedis> {
  const chosen = port ?? (await freePort());
  let child: ChildProcess | undefined;

  const launch = async (): Promise<void> => {
    const args = ['--port', String(chosen), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--daemonize', 'no', '--loglevel', 'warning'];
    const proc = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const failed = new Promise<never>((_, reject) => proc.once('error', (err) => reject(new Error(`cannot run ${binary}: ${err.message}`))));
    child = proc;
    await Promise.race([answers(chosen, proc, () => out, 5000), failed]);
  };

  const stop = async (): Promise<void> => {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill('SIGTERM');
    const killer = setTimeout(() => proc.kill('SIGKILL'), 1000);
    await exited;
    clearTimeout(killer);
  };

  await launch();
  return {
    port: chosen,
    url: `redis://127.0.0.1:${chosen}`,
    pid: () => child?.pid,
    stop,
    async restart() {
      await stop();
      await launch();
    },
  };
}
