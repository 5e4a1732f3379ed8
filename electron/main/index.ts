// The Electron entry: where the built bundles are, and the relay's own console service.
import { app } from 'electron';
import { join } from 'node:path';
import { serveConsole } from '../../relay/console/http.js';
import { Desktop } from './desktop.js';

const here = import.meta.dirname;
const rendererDir = join(here, '../../dist/console');
void Desktop.start({
  rendererDir,
  preloadPath: join(here, '../preload/index.cjs'),
  // The same built console the window shows is served to browsers ("Open Browser Console", LAN share).
  createConsole: (relay) => serveConsole(relay, { staticDir: rendererDir }),
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => app.quit());
