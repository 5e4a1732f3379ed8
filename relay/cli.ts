#!/usr/bin/env node
import { CaptureFormatError } from './capture/format.js';
import { ConfigError, loadLayers, usage } from './config/load.js';
import { serveConsole, type ConsoleServer } from './console/http.js';
import { LogWriter, isJournal, writeRelayLog } from './logging.js';
import { packageVersion } from './http/static.js';
import { Relay } from './relay.js';
import { replayCommand, UsageError } from './replay/command.js';

const EXIT_USAGE = 2;

function fail(message: string, code: number): never {
  process.stderr.write(`switchboard: ${message}\n`);
  process.exit(code);
}

export async function main(argv: readonly string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(`${usage()}\n\nswitchboard replay FILE --url ws://HOST:PORT [--speed N] [--room R]: replays a capture (switchboard replay --help)\n`);
    return;
  }
  if (command === '--version' || command === '-v' || command === 'version') {
    process.stdout.write(`switchboard ${packageVersion()}\n`);
    return;
  }
  if (command === 'replay') {
    try {
      process.exitCode = await replayCommand(rest, (text) => process.stdout.write(text));
    } catch (err) {
      if (err instanceof UsageError || err instanceof CaptureFormatError) fail(err.message, EXIT_USAGE);
      fail(`replay failed: ${(err as Error).message}`, EXIT_USAGE);
    }
    return;
  }
  if (command !== 'serve') fail(`unknown command "${command}" (try: switchboard serve --help, or switchboard replay --help)`, EXIT_USAGE);
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(usage() + '\n');
    return;
  }
  let relay: Relay;
  let consoleServer: ConsoleServer;
  let warnings: string[];
  try {
    const layers = loadLayers({ argv: rest, env: process.env });
    warnings = layers.warnings;
    relay = new Relay(layers.config);
    consoleServer = serveConsole(relay, { settingSources: layers.sources });
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message, EXIT_USAGE);
    throw err;
  }
  const { logLevel, logFormat } = relay.config;
  const out = new LogWriter((line) => process.stdout.write(line), logLevel, { format: logFormat, journal: isJournal(1, process.env) });
  // One line per listener with its URLs comes from the relay's own 'listen' events.
  writeRelayLog(relay, out);
  for (const w of warnings) relay.log.add('warn', 'config', w);
  // Before the listeners are announced: whoever reads the announcement may signal at once.
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    out.event('info', 'stop', `${signal}, closing ${relay.hub.size} connection(s)`);
    consoleServer.stop();
    void relay.stop().then(() => process.exit(0));
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  try {
    await relay.start();
    out.event('info', 'console', `console ${consoleServer.url()}`);
  } catch (err) {
    fail((err as Error).message, 1);
  }
}

void main(process.argv.slice(2));
