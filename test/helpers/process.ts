import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const CLI = fileURLToPath(new URL('../../dist/relay/cli.js', import.meta.url));

export interface Spawned {
  child: ChildProcessWithoutNullStreams;
  output(): string;
  /** Resolves with the first match of `re` in stdout, or rejects after `ms`. */
  waitFor(re: RegExp, ms?: number): Promise<RegExpMatchArray>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Runs the built CLI (npm test builds first) as a real process. */
export function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Spawned {
  if (!existsSync(CLI)) throw new Error('dist/relay/cli.js is missing: run `npm run build` first');
  return spawnProcess(process.execPath, [CLI, ...args], env);
}

export function spawnProcess(command: string, args: string[], env: NodeJS.ProcessEnv = {}): Spawned {
  const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, ...env } });
  let out = '';
  const watchers = new Set<() => void>();
  const onData = (d: Buffer): void => {
    out += d.toString();
    for (const w of watchers) w();
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return {
    child,
    output: () => out,
    exited,
    waitFor(re, ms = 10_000) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const m = out.match(re);
          if (!m) return;
          watchers.delete(check);
          clearTimeout(timer);
          resolve(m);
        };
        const timer = setTimeout(() => {
          watchers.delete(check);
          reject(new Error(`no ${re} within ${ms} ms; output was:\n${out}`));
        }, ms);
        watchers.add(check);
        void exited.then(() => setTimeout(check, 0));
        check();
      });
    },
  };
}
