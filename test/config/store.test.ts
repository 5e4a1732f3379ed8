import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../relay/config/load.js';
import { defaults } from '../../relay/config/schema.js';
import { readSettings, writeSettings } from '../../relay/config/store.js';

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'switchboard-store-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('stored settings', () => {
  it('are the defaults while there is no file', () => {
    expect(readSettings(join(dir, 'none', 'settings.json'))).toEqual(defaults());
  });

  it('write only the changed keys, owner-only, in a folder made for them, and read back the same', () => {
    const file = join(dir, 'app', 'settings.json');
    const config = loadConfig({ overrides: { host: '0.0.0.0', listeners: ['compendium:8001'], msgRelayDefaultGroup: 'kk' } });
    writeSettings(file, config);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ host: '0.0.0.0', listeners: ['compendium:8001'] });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readSettings(file)).toEqual(config);
  });

  it('name the bad key of a broken file', () => {
    const file = join(dir, 'settings.json');
    writeFileSync(file, JSON.stringify({ tapCapacity: 5 }));
    expect(() => readSettings(file)).toThrow(`config file "${file}": key "tapCapacity": 5 is outside 100..1000000`);
  });
});
