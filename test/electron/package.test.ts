// electron-builder --dir against a stand-in Electron folder (no download): the app.asar must
// hold the main, preload and console bundles and the runtime dependencies, and nothing of
// development, and the binary's fuses must be flipped. Runs after `npm run build` (npm test
// builds first).
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { extractFile, listPackage } from '@electron/asar';
import { FuseV1Options, FuseVersion, getCurrentFuseWire } from '@electron/fuses';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  main: string;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const rendererDir = join(root, 'dist/console');
let work: string;
let appDir: string;
let entries: string[];
/** The console bundle is the renderer build's; where this checkout has none, a stand-in takes its place. */
let standInRenderer = false;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'switchboard-package-'));
  const electronDist = join(work, 'electron');
  mkdirSync(electronDist);
  writeFileSync(join(electronDist, 'electron'), standInBinary(), { mode: 0o755 });
  if (!existsSync(join(rendererDir, 'index.html'))) {
    standInRenderer = true;
    mkdirSync(rendererDir, { recursive: true });
    writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>Switchboard</title>');
  }
  const output = join(work, 'release');
  await promisify(execFile)(
    join(root, 'node_modules/.bin/electron-builder'),
    ['--dir', '--linux', '--x64', '--config', 'build/electron-builder.yml', `-c.electronDist=${electronDist}`, `-c.directories.output=${output}`],
    {
      cwd: root,
      timeout: 240_000,
      // Any download would go here and fail at once, never to the network.
      env: { ...process.env, ELECTRON_MIRROR: 'http://127.0.0.1:9/', ELECTRON_BUILDER_BINARIES_MIRROR: 'http://127.0.0.1:9/', CSC_IDENTITY_AUTO_DISCOVERY: 'false' },
    },
  );
  appDir = join(output, 'linux-unpacked');
  entries = listPackage(join(appDir, 'resources/app.asar'), { isPack: false }).map((e) => e.replaceAll('\\', '/'));
}, 300_000);

afterAll(() => {
  if (standInRenderer) rmSync(rendererDir, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
});

/** A fuse's state in the wire, as Electron writes it: the characters '1' and '0'. */
const ON = '1'.charCodeAt(0);
const OFF = '0'.charCodeAt(0);

/**
 * A script in Electron's place that carries a fuse wire where a real Electron binary does: the
 * sentinel, the wire's version and length, then every fuse as Electron 45 ships it (only cookie
 * encryption off), so electron-builder flips them as it would in a real build.
 */
function standInBinary(): Buffer {
  const wire = Buffer.alloc(8, ON);
  for (const fuse of [FuseV1Options.EnableCookieEncryption, FuseV1Options.EnableEmbeddedAsarIntegrityValidation, FuseV1Options.OnlyLoadAppFromAsar, FuseV1Options.LoadBrowserProcessSpecificV8Snapshot])
    wire[fuse] = OFF;
  return Buffer.concat([Buffer.from('#!/bin/sh\nexit 0\n# dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX'), Buffer.from([Number(FuseVersion.V1), wire.length]), wire, Buffer.from('\n')]);
}

const packed = (path: string): Buffer => extractFile(join(appDir, 'resources/app.asar'), path);

describe('the packaged desktop app', () => {
  it('is the stand-in Electron renamed to the product, with the app in resources/app.asar', () => {
    expect(existsSync(join(appDir, 'switchboard'))).toBe(true);
    expect(existsSync(join(appDir, 'resources/app.asar'))).toBe(true);
  });

  it('holds the main, preload and console bundles as built', () => {
    const main = JSON.parse(packed('package.json').toString()) as { main: string; productName?: string };
    expect(main.main).toBe('out/main/index.js');
    for (const file of ['out/main/index.js', 'out/preload/index.cjs', 'dist/console/index.html'])
      expect(packed(file).equals(readFileSync(join(root, file))), file).toBe(true);
  });

  it('holds nothing else at its top: no sources, no maps, no tests, no build config', () => {
    const top = new Set(entries.map((e) => e.split('/')[1]));
    expect([...top].sort()).toEqual(['dist', 'node_modules', 'out', 'package.json']);
    expect(entries.filter((e) => e.startsWith('/dist/') && !e.startsWith('/dist/console'))).toEqual([]);
    expect(entries.filter((e) => e.endsWith('.map') || (e.endsWith('.ts') && !e.startsWith('/node_modules/')))).toEqual([]);
  });

  it('holds every package the main bundle loads at run time, and no development dependency', () => {
    const modules = new Set(entries.filter((e) => /^\/node_modules\/(@[^/]+\/)?[^/@]+$/.test(e)).map((e) => e.slice('/node_modules/'.length)));
    const imported = [...readFileSync(join(root, 'out/main/index.js'), 'utf8').matchAll(/^import .* from "([^".][^"]*)";$/gm)]
      .map((m) => m[1]!)
      .filter((s) => !s.startsWith('node:') && s !== 'electron');
    expect(imported.length).toBeGreaterThan(0);
    for (const name of imported) expect(modules, name).toContain(name);
    for (const name of Object.keys(pkg.dependencies)) expect(modules, name).toContain(name);
    for (const name of Object.keys(pkg.devDependencies)) expect(modules, name).not.toContain(name);
  });

  it("has Electron's fuses set: no running as Node, no NODE_OPTIONS or --inspect, asar integrity and only app.asar", async () => {
    const wire = await getCurrentFuseWire(join(appDir, 'switchboard'));
    const state = (fuse: FuseV1Options): string => (wire[fuse] === ON ? 'ENABLE' : wire[fuse] === OFF ? 'DISABLE' : `byte ${wire[fuse]}`);
    expect({
      runAsNode: state(FuseV1Options.RunAsNode),
      nodeOptions: state(FuseV1Options.EnableNodeOptionsEnvironmentVariable),
      inspectArguments: state(FuseV1Options.EnableNodeCliInspectArguments),
      asarIntegrity: state(FuseV1Options.EnableEmbeddedAsarIntegrityValidation),
      onlyAsar: state(FuseV1Options.OnlyLoadAppFromAsar),
      cookieEncryption: state(FuseV1Options.EnableCookieEncryption),
      fileProtocolPrivileges: state(FuseV1Options.GrantFileProtocolExtraPrivileges),
    }).toEqual({
      runAsNode: 'DISABLE',
      nodeOptions: 'DISABLE',
      inspectArguments: 'DISABLE',
      asarIntegrity: 'ENABLE',
      onlyAsar: 'ENABLE',
      cookieEncryption: 'ENABLE',
      fileProtocolPrivileges: 'DISABLE',
    });
  });
});
