#!/usr/bin/env node
import { ConfigError, loadConfig, usage } from './config/load.js';
import { Relay } from './relay.js';

const EXIT_USAGE = 2;

function fail(message: string, code: number): never {
  process.stderr.write(`switchboard: ${message}\n`);
  process.exit(code);
}

export async function main(argv: readonly string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(usage() + '\n');
    return;
  }
  if (command !== 'serve') fail(`unknown command "${command}" (try: switchboard serve --help)`, EXIT_USAGE);
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(usage() + '\n');
    return;
  }
  let relay: Relay;
  try {
    relay = new Relay(loadConfig({ argv: rest, env: process.env }));
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message, EXIT_USAGE);
    throw err;
  }
  // Before the listeners are announced: whoever reads the announcement may signal at once.
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`switchboard: ${signal}, closing ${relay.hub.size} connection(s)\n`);
    void relay.stop().then(() => process.exit(0));
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  try {
    const listeners = await relay.start();
    for (const l of listeners) process.stdout.write(`switchboard: ${l.protocols.join(', ')} on ${l.urls.join(' ')}\n`);
  } catch (err) {
    fail((err as Error).message, 1);
  }
}

void main(process.argv.slice(2));
