#!/usr/bin/env node
// `npm test [-- vitest arguments]`: everything the tests need, then every test. The system
// programs the tests drive are installed with apt-get where that can be done (root on Debian);
// elsewhere it stops with one line naming what to install, so no test fails or skips for want
// of one. Then the npm packages and the build, when stale; then type-check, lint and vitest.
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBuild, ensurePackages, root, runOrExit, say } from './prepare.mjs';

/** Each program a test runs, the Debian package that brings it, and how to tell it is there. */
const SYSTEM_NEEDS = [
  { pkg: 'chromium', what: 'the browser tests', present: () => existsSync('/usr/bin/chromium') },
  { pkg: 'python3-websockets', what: 'the Python client tests', present: () => python('websockets') },
  { pkg: 'python3-requests', what: 'the channelstream backend tests', present: () => python('requests') },
  { pkg: 'python3-itsdangerous', what: 'the channelstream signer tests', present: () => python('itsdangerous') },
  { pkg: 'nginx-light', what: 'the reverse-proxy test', present: () => existsSync('/usr/sbin/nginx') },
  { pkg: 'zbar-tools', what: 'reading the LAN share QR codes back', present: () => onPath('zbarimg') },
  { pkg: 'openssl', what: 'the TLS tests', present: () => onPath('openssl') },
  { pkg: 'redis-server', what: 'the cluster tests', present: () => onPath('redis-server') },
];

function python(module) {
  return existsSync('/usr/bin/python3') && spawnSync('/usr/bin/python3', ['-c', `import ${module}`], { stdio: 'ignore' }).status === 0;
}

function onPath(command) {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

function ensureSystemPackages() {
  const missing = SYSTEM_NEEDS.filter((n) => !n.present()).map((n) => n.pkg);
  if (missing.length === 0) return;
  const aptGet = existsSync('/usr/bin/apt-get');
  if (!aptGet || process.getuid?.() !== 0) {
    const how = aptGet ? `run sudo apt-get install ${missing.join(' ')}` : `install the equivalents of Debian's ${missing.join(', ')}`;
    say(`the tests need programs that are not installed: ${how}, then npm test again`);
    process.exit(1);
  }
  say(`installing the Debian packages the tests drive: ${missing.join(' ')}`);
  // apt's progress goes to a log that a failure names: the outcome is the one line above.
  const log = join(tmpdir(), 'switchboard-apt.log');
  const out = openSync(log, 'w');
  const apt = (what, args) => runOrExit(`${what} (its output is in ${log})`, 'apt-get', args, { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }, stdio: ['ignore', out, out] });
  apt('apt-get update', ['update']);
  apt('apt-get install', ['install', '-y', '--no-install-recommends', ...missing]);
  closeSync(out);
  const still = SYSTEM_NEEDS.filter((n) => !n.present()).map((n) => `${n.pkg} (for ${n.what})`);
  if (still.length > 0) {
    say(`apt-get installed, but these are still missing: ${still.join(', ')}`);
    process.exit(1);
  }
}

ensureSystemPackages();
ensurePackages();
ensureBuild();
const npm = (script) => runOrExit(`npm run ${script}`, 'npm', ['run', script, '--silent'], { shell: process.platform === 'win32' });
npm('typecheck');
npm('lint');
npm('layers');
const vitest = spawnSync(process.execPath, [join(root, 'node_modules/vitest/vitest.mjs'), 'run', ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });
process.exit(vitest.status ?? 1);
