#!/usr/bin/env node
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startLocalRedis, type LocalRedis } from './local-redis.js';

/**
 * `npm run cluster -- --nodes 3 [--port 8765] [-- serve flags...]`: a local Redis and N
 * relay nodes sharing it, each `switchboard serve --cluster ... --node-name nodeN` on its own
 * port (PORT, PORT+1, ...; 0 picks free ones). Prints every node's URLs; Ctrl-C stops all.
 */

const CLI = fileURLToPath(new URL('../cli.js', import.meta.url));
const USAGE = 'usage: npm run cluster -- [--nodes N] [--port FIRST_PORT] [-- switchboard serve flags]';

interface Options {
  nodes: number;
  port: number;
  serveFlags: string[];
}

function parse(argv: string[]): Options {
  const split = argv.indexOf('--');
  const own = split >= 0 ? argv.slice(0, split) : argv;
  const opts: Options = { nodes: 3, port: 8765, serveFlags: split >= 0 ? argv.slice(split + 1) : [] };
  for (let i = 0; i < own.length; i += 2) {
    const [flag, value] = [own[i], Number(own[i + 1])];
    if (flag === '--nodes' && Number.isInteger(value) && value >= 1 && value <= 64) opts.nodes = value;
    else if (flag === '--port' && Number.isInteger(value) && value >= 0 && value + 64 <= 65535) opts.port = value;
    else throw new Error(`bad argument ${flag ?? ''} ${own[i + 1] ?? ''}\n${USAGE}`);
  }
  return opts;
}

interface Node {
  name: string;
  child: ChildProcess;
  urls: string[];
  console?: string;
}

function startNode(name: string, redis: LocalRedis, port: number, flags: string[], onReady: () => void): Node {
  const args = [CLI, 'serve', '--cluster', redis.url, '--node-name', name, '--port', String(port), ...flags];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const node: Node = { name, child, urls: [] };
  let rest = '';
  const onData = (d: Buffer): void => {
    rest += d.toString();
    const lines = rest.split('\n');
    rest = lines.pop()!;
    for (const line of lines) {
      process.stdout.write(`[${name}] ${line}\n`);
      const listen = / on ((?:wss?:\/\/\S+\s?)+)$/.exec(line);
      if (listen && node.urls.length === 0) node.urls = listen[1]!.trim().split(' ');
      const consoleUrl = /console (https?:\/\/\S+)/.exec(line);
      if (consoleUrl && !node.console) {
        node.console = consoleUrl[1];
        onReady();
      }
    }
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  return node;
}

async function main(): Promise<void> {
  const opts = parse(process.argv.slice(2));
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-cluster-'));
  const redis = await startLocalRedis(dir);
  const nodes: Node[] = [];
  let ready = 0;
  const announce = (): void => {
    if (++ready < opts.nodes) return;
    process.stdout.write(`\nswitchboard cluster: ${opts.nodes} node(s) sharing Redis ${redis.url}\n`);
    for (const n of nodes) process.stdout.write(`  ${n.name}  ${n.urls.join(' ')}  console ${n.console}\n`);
    process.stdout.write('Ctrl-C stops every node and Redis.\n');
  };
  for (let i = 1; i <= opts.nodes; i++) nodes.push(startNode(`node${i}`, redis, opts.port === 0 ? 0 : opts.port + i - 1, opts.serveFlags, announce));

  let stopping = false;
  const stop = async (code: number): Promise<void> => {
    if (stopping) return;
    stopping = true;
    await Promise.all(
      nodes.map(
        (n) =>
          new Promise<void>((resolve) => {
            if (n.child.exitCode !== null || n.child.signalCode !== null) return resolve();
            n.child.once('exit', () => resolve());
            n.child.kill('SIGTERM');
          }),
      ),
    );
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));
  for (const n of nodes)
    n.child.once('exit', (code) => {
      if (stopping) return;
      process.stderr.write(`switchboard cluster: ${n.name} exited (${code}); stopping the others\n`);
      void stop(1);
    });
}

main().catch((err: Error) => {
  process.stderr.write(`switchboard cluster: ${err.message}\n`);
  process.exit(2);
});
