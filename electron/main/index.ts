// The Electron entry: where the built bundles are, the relay's own console service, and the
// command line and environment, which the relay reads as `switchboard serve` does.
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
  createConsole: (relay, options) => serveConsole(relay, { staticDir: rendererDir, ...options }),
  // `electron <project> --port 9000` from npm start, or `switchboard --port 9000` packaged.
  argv: process.argv.slice(app.isPackaged ? 1 : 2),
  env: process.env,
  development: !app.isPackaged,
  print: (line) => process.stdout.write(line + '\n'),
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => app.quit());
