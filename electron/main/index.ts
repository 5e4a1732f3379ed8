// The Electron entry: where the built bundles are, and which console service to use.
import { app } from 'electron';
import { join } from 'node:path';
import { Desktop } from './desktop.js';
import { unwiredConsole } from './service.js';

const here = import.meta.dirname;
void Desktop.start({
  rendererDir: join(here, '../../dist/console'),
  preloadPath: join(here, '../preload/index.cjs'),
  createConsole: unwiredConsole,
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => app.quit());
