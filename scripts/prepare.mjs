// What `npm start` and `npm test` do before anything else, on a fresh clone or an old one:
// install the npm packages when they are missing or differ from package-lock.json, and build
// when the sources changed since the last build. Node's own modules only: it runs before
// node_modules exists.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Writes one line to stderr, as every message of these scripts is. */
export const say = (line) => process.stderr.write(`switchboard: ${line}\n`);

/** Runs a command in the project with this terminal; exits with its code when it fails. */
export function runOrExit(what, command, args, options = {}) {
  const r = spawnSync(command, args, { cwd: root, stdio: 'inherit', ...options });
  if (r.status === 0) return;
  say(`${what} failed (${r.error?.message ?? `exit ${r.status ?? r.signal}`})`);
  process.exit(r.status || 1);
}

/**
 * Why node_modules does not match package-lock.json, or undefined when it does. npm writes what
 * it installed to node_modules/.package-lock.json; a package the lock names must be there at
 * its version, unless it is optional (another platform's binary).
 */
export function packagesStale() {
  const installedFile = join(root, 'node_modules/.package-lock.json');
  if (!existsSync(installedFile)) return 'the npm packages are not installed';
  const wanted = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')).packages;
  const installed = JSON.parse(readFileSync(installedFile, 'utf8')).packages;
  for (const [path, pkg] of Object.entries(wanted)) {
    if (path === '') continue;
    const have = installed[path];
    if (!have && !(pkg.optional || pkg.devOptional)) return `${path.replace(/^.*node_modules\//, '')} is not installed`;
    if (have && have.version !== pkg.version) return `${path.replace(/^.*node_modules\//, '')} is ${have.version}, package-lock.json wants ${pkg.version}`;
  }
  return undefined;
}

export function ensurePackages() {
  const why = packagesStale();
  if (!why) return;
  say(`${why}: running npm ci`);
  runOrExit('npm ci', 'npm', ['ci', '--no-audit', '--no-fund'], { shell: process.platform === 'win32' });
}

/** What the build reads: the sources of every bundle and the configuration of each tool. */
const BUILD_INPUTS = ['relay', 'renderer', 'demo', 'electron'];
const BUILD_CONFIGS = /^(package(-lock)?\.json|tsconfig[\w.]*\.json|vite[\w.]*\.ts|electron\.vite\.config\.ts)$/;
/** What the build makes: the CLI, the console and demo pages, Electron's main and preload. */
export const BUILD_OUTPUTS = ['dist/relay/cli.js', 'dist/console/index.html', 'dist/demo/index.html', 'out/main/index.js', 'out/preload/index.cjs'];
const STAMP = 'dist/.build-stamp';

function files(dir) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...files(path));
    else if (entry.isFile()) out.push(path);
  }
  return out;
}

/** A digest of every build input's path and content: a checkout or an edit changes it, a touch does not. */
export function sourceDigest() {
  const hash = createHash('sha256');
  const inputs = [...BUILD_INPUTS.flatMap((d) => files(join(root, d))), ...readdirSync(root).filter((f) => BUILD_CONFIGS.test(f)).map((f) => join(root, f))];
  for (const file of inputs.sort()) hash.update(relative(root, file)).update('\0').update(readFileSync(file)).update('\0');
  return hash.digest('hex');
}

/** Why the build is out of date, or undefined when every output is there and made from these sources. */
export function buildStale() {
  const missing = BUILD_OUTPUTS.find((f) => !existsSync(join(root, f)));
  if (missing) return `${missing} is not built`;
  const stamp = join(root, STAMP);
  if (!existsSync(stamp) || readFileSync(stamp, 'utf8').trim() !== sourceDigest()) return 'the sources changed since the last build';
  return undefined;
}

/** Records that the outputs were built from the sources of this digest (taken before the build began). */
export function stampBuild(digest) {
  writeFileSync(join(root, STAMP), digest + '\n');
}

export function ensureBuild() {
  const why = buildStale();
  if (!why) return;
  say(`${why}: building`);
  runOrExit('the build', process.execPath, [join(root, 'scripts/build.mjs')]);
}
