import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { loadConfig } from './load.js';
import { defaults, type Config, type ConfigKey, type SettingSources } from './schema.js';

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

/**
 * What to store after a change, when the environment or flags set some keys at start: those
 * keep the file's value unless this change gave them another, so a variable or flag given once
 * is not written into the file for good. Every other key is stored as it now is.
 */
export function settingsToStore(now: Config, file: Config, atStart: Config, sources: SettingSources): Config {
  const out: Record<string, unknown> = { ...now };
  for (const key of Object.keys(sources) as ConfigKey[])
    if (JSON.stringify(now[key]) === JSON.stringify(atStart[key])) out[key] = file[key];
  return out as Config;
}
