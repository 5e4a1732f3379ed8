// The npm package as `npm pack` makes it, after the build (npm test builds first): exactly what
// its bin and main load and the pages they serve, the CLI executable however it is reached, and
// an engines range every locked dependency accepts.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import semver from 'semver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string; main: string; bin: Record<string, string>; engines: { node: string } };
let packed: { path: string; mode: number }[];
const dirs: string[] = [];

beforeAll(async () => {
  const { stdout } = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, timeout: 60_000 });
  packed = (JSON.parse(stdout) as [{ files: { path: string; mode: number }[] }])[0].files;
}, 90_000);

afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Every module a built entry loads by relative import, itself included (package paths, with /). */
function closure(entry: string): Set<string> {
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(join(root, file), 'utf8');
    for (const m of text.matchAll(/^\s*(?:import|export)\b[^;'"]*?['"](\.{1,2}\/[^'"]+)['"];?$|\bimport\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/gm))
      visit(posix.normalize(posix.join(posix.dirname(file), m[1] ?? m[2]!)));
  };
  visit(entry);
  return seen;
}

function filesUnder(dir: string): string[] {
  return readdirSync(join(root, dir), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(root, join(e.parentPath, e.name)).replaceAll('\\', '/'));
}

describe('the npm package', () => {
  it('holds exactly the bin and main with what they load, the pages they serve, package.json and README', () => {
    const main = readFileSync(join(root, pkg.main), 'utf8');
    // The Electron main bundle names its preload and the console bundle by path, relative to itself.
    const preload = /join\(here, "\.\.\/(preload\/[^"]+)"\)/.exec(main)?.[1];
    expect(preload, 'the preload path in the main bundle').toBeDefined();
    const expected = new Set([
      'package.json',
      'README.md',
      ...closure(pkg.bin.switchboard!),
      ...closure(pkg.main),
      posix.join(posix.dirname(posix.dirname(pkg.main)), preload!),
      ...filesUnder('dist/console'),
      ...filesUnder('dist/demo'),
    ]);
    expect(packed.map((f) => f.path).sort()).toEqual([...expected].sort());
  });

  it('marks the CLI executable', () => {
    const bin = packed.find((f) => f.path === pkg.bin.switchboard);
    expect(bin).toBeDefined();
    expect(bin!.mode & 0o111).toBe(0o111);
  });

  it('runs the CLI by its path and through a symlink as npm links it, telling its version', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchboard-bin-'));
    dirs.push(dir);
    symlinkSync(join(root, pkg.bin.switchboard!), join(dir, 'switchboard'));
    const direct = await run(join(root, pkg.bin.switchboard!), ['--version'], { cwd: dir });
    const linked = await run('switchboard', ['--version'], { cwd: dir, env: { ...process.env, PATH: `${dir}:${process.env.PATH}` } });
    expect(direct.stdout).toBe(`switchboard ${pkg.version}\n`);
    expect(linked.stdout).toBe(`switchboard ${pkg.version}\n`);
  });

  it('asks for a Node that every locked dependency accepts, other platforms\' optional binaries aside', () => {
    const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { engines?: { node?: string }; optional?: boolean; devOptional?: boolean }>;
    };
    const refusing = Object.entries(lock.packages)
      .filter(([path, p]) => path !== '' && p.engines?.node && !p.optional && !p.devOptional)
      .filter(([, p]) => !semver.subset(pkg.engines.node, p.engines!.node!))
      .map(([path, p]) => `${path.replace(/^.*node_modules\//, '')} wants ${p.engines!.node}`);
    expect(refusing).toEqual([]);
  });
});
