#!/usr/bin/env node
// `npm start`: installs the npm packages when they are missing or stale, builds what is stale,
// then opens the desktop app where Electron's runtime is installed, otherwise serves the relay
// headless with its console in the browser, after one line saying why.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { ensureBuild, ensurePackages, root } from './prepare.mjs';

const args = process.argv.slice(2);
/** The runtime download is bounded: a machine without internet access must not wait long for it. */
const FETCH_TIMEOUT_MS = 300_000;

/**
 * The Electron executable if it is installed and runs, else why not. It never calls
 * require('electron'), which would try to download the runtime.
 */
function findElectron() {
  let pkgDir;
  try {
    pkgDir = dirname(createRequire(join(root, 'package.json')).resolve('electron/package.json'));
  } catch {
    return { why: "the electron package is not installed (run npm ci)" };
  }
  const pathFile = join(pkgDir, 'path.txt');
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  const where = () => {
    const name = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : process.platform === 'win32' ? 'electron.exe' : 'electron';
    return override ? join(override, name) : join(pkgDir, 'dist', name);
  };
  // Electron 42 and later fetch the runtime at first run, with the package's own installer.
  if (!override && !existsSync(where())) {
    // On a terminal, a note while it downloads, erased after: the outcome is still one line.
    const tty = process.stderr.isTTY;
    if (tty) process.stderr.write("switchboard: fetching Electron's runtime (first run)...");
    spawnSync(process.execPath, [join(pkgDir, 'install.js')], { stdio: 'ignore', timeout: FETCH_TIMEOUT_MS });
    if (tty) process.stderr.write('\r\x1b[K');
  }
  const bin = where();
  if (!existsSync(bin)) return { why: "Electron's runtime is not installed here (no binary could be downloaded)" };
  const probe = spawnSync(bin, ['--version'], { encoding: 'utf8', timeout: 15_000, env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' } });
  if (probe.status !== 0) return { why: `Electron's runtime at ${bin} does not run (${probe.error?.message ?? `exit ${probe.status}`})` };
  return { bin };
}

/** Runs a child with this terminal, passes on Ctrl-C and termination, and exits as it exits. */
function run(command, argv) {
  const child = spawn(command, argv, { stdio: 'inherit', cwd: root });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

ensurePackages();
ensureBuild();
const electron = findElectron();
if (electron.bin) run(electron.bin, [root, ...args]);
else {
  process.stderr.write(`switchboard: ${electron.why}; serving the console headless instead\n`);
  run(process.execPath, [join(root, 'dist/relay/cli.js'), 'serve', ...args]);
}
