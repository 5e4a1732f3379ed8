#!/usr/bin/env node
// `npm run build`: the relay and CLI (tsc), the console and the demos (Vite), Electron's main
// and preload (electron-vite). Then the CLI is made executable, so `switchboard` runs however
// it is reached (npx, a symlink, the path itself), and the build is stamped for `npm start`
// and `npm test`, which build again only when a source changed.
import { chmodSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { root, runOrExit, sourceDigest, stampBuild } from './prepare.mjs';

// Each tool's own script run by this Node, which works the same on every platform (no .cmd shims).
const tool = (what, script, args) => runOrExit(what, process.execPath, [join(root, 'node_modules', script), ...args]);
const digest = sourceDigest();
// tsc only adds: without this, a module moved or removed would stay in dist/relay and be packed.
rmSync(join(root, 'dist/relay'), { recursive: true, force: true });
tool('tsc', 'typescript/bin/tsc', ['-p', 'tsconfig.build.json']);
chmodSync(join(root, 'dist/relay/cli.js'), 0o755);
tool('vite (console)', 'vite/bin/vite.js', ['build', '--logLevel', 'warn']);
tool('vite (demos)', 'vite/bin/vite.js', ['build', '-c', 'vite.demo.config.ts', '--logLevel', 'warn']);
tool('electron-vite', 'electron-vite/bin/electron-vite.js', ['build', '--logLevel', 'warn', '--ignoreConfigWarning']);
stampBuild(digest);
