// `npm start`'s launcher, run for real after the build: the headless fallback where Electron's
// runtime is missing, and the desktop path with a stand-in executable in Electron's place.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { Client } from '../helpers/client.js';

const root = resolve(import.meta.dirname, '../..');
const dirs: string[] = [];
const children: ChildProcess[] = [];

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'switchboard-start-'));
  dirs.push(d);
  return d;
}

/** A folder in Electron's place holding an `electron` that runs the given shell script. */
function standInElectron(script: string): string {
  const d = tempDir();
  writeFileSync(join(d, 'electron'), `#!/bin/sh\n${script}\n`);
  chmodSync(join(d, 'electron'), 0o755);
  return d;
}

function launch(electronDir: string, args: string[]) {
  const child = spawn(process.execPath, [join(root, 'scripts/start.mjs'), ...args], {
    cwd: root,
    env: { ...process.env, ELECTRON_OVERRIDE_DIST_PATH: electronDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const lines = (stream: NodeJS.ReadableStream) => createInterface({ input: stream })[Symbol.asyncIterator]();
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, stdout: lines(child.stdout!), stderr: lines(child.stderr!), exited };
}

async function line(it: AsyncIterator<string>): Promise<string> {
  const next = await it.next();
  if (next.done) throw new Error('the stream ended');
  return next.value;
}

afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('npm start', () => {
  it("says in one line why there is no desktop app, then serves headless until Ctrl-C", async () => {
    const run = launch(tempDir(), ['--port', '0']);
    expect(await line(run.stderr)).toBe(
      "switchboard: Electron's runtime is not installed here (no binary could be downloaded); serving the console headless instead",
    );
    const listening = await line(run.stdout);
    const url = /on (ws:\/\/127\.0\.0\.1:\d+\/)/.exec(listening)?.[1];
    expect(url, listening).toBeDefined();
    const c = await Client.open(url!);
    run.child.kill('SIGINT');
    expect(await c.closed).toEqual({ code: 1001, reason: 'Switchboard is shutting down' });
    expect(await run.exited).toBe(0);
  });

  it('falls back the same way when the Electron found does not run', async () => {
    const run = launch(standInElectron('exit 1'), ['--port', '0']);
    expect(await line(run.stderr)).toMatch(/^switchboard: Electron's runtime at .*electron does not run \(exit 1\); serving the console headless instead$/);
    expect(await line(run.stdout)).toMatch(/on ws:\/\/127\.0\.0\.1:\d+\//);
    run.child.kill('SIGINT');
    expect(await run.exited).toBe(0);
  });

  it('starts the desktop app on this project where Electron runs, and exits as it exits', async () => {
    const run = launch(standInElectron('[ "$1" = --version ] && { echo v45.4.1; exit 0; }\necho "desktop $*"\nexit 3'), ['--port', '0']);
    expect(await line(run.stdout)).toBe(`desktop ${root} --port 0`);
    expect(await run.exited).toBe(3);
  });
});
