import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { loadConfig } from './load.js';
import { defaults, type Config } from './schema.js';

/**
 * Stored settings (the desktop app's file under its user-data folder): read like any config
 * file, with defaults when there is none yet.
 */
export function readSettings(file: string): Config {
  return existsSync(file) ? loadConfig({ configFile: file }) : loadConfig();
}

/**
 * Writes the keys that differ from the defaults, so a later default change still reaches users.
 * The file may hold secrets, so only its owner can read it; it is replaced whole, never half-written.
 */
export function writeSettings(file: string, config: Config): void {
  const base: Record<string, unknown> = defaults();
  const changed: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) if (JSON.stringify(value) !== JSON.stringify(base[key])) changed[key] = value;
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(changed, null, 2) + '\n', { mode: 0o600 });
  renameSync(tmp, file);
}
