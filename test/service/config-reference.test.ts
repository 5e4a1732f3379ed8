import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../relay/config/load.js';
import { renderExample, renderReference } from '../../relay/config/reference.js';
import { SCHEMA } from '../../relay/config/schema.js';
import { Client } from '../helpers/client.js';
import { Relay } from '../../relay/relay.js';

const read = (path: string): string => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
const schemaSource = read('relay/config/schema.ts');
const reference = read('docs/configuration.md');
const examplePath = new URL('../../deploy/switchboard.example.json', import.meta.url).pathname;
const example = JSON.parse(read('deploy/switchboard.example.json')) as Record<string, unknown>;
const schemaKeys = Object.keys(SCHEMA).sort();
const REGENERATE = 'run `npm run docs:config` and commit the result';

describe('the configuration reference and the example file', () => {
  it('the reference documents exactly the schema keys', () => {
    const documented = [...reference.matchAll(/^\| `(\w+)` \|/gm)].map((m) => m[1]!).sort();
    expect(documented, `docs/configuration.md and the schema differ: ${REGENERATE}`).toEqual(schemaKeys);
  });

  it('the example file sets exactly the schema keys, each after its comment', () => {
    const set = Object.keys(example).filter((k) => !k.startsWith('//')).sort();
    expect(set, `deploy/switchboard.example.json and the schema differ: ${REGENERATE}`).toEqual(schemaKeys);
    for (const key of schemaKeys) expect(example[`// ${key}`], `comment for ${key}`).toBe(SCHEMA[key as keyof typeof SCHEMA].doc);
  });

  it('both files are what the generator makes of the current schema', () => {
    expect(reference, REGENERATE).toBe(renderReference(schemaSource));
    expect(read('deploy/switchboard.example.json'), REGENERATE).toBe(renderExample(schemaSource));
  });

  it('groups keys under the schema section comments', () => {
    expect(reference).toMatch(/## Running as a service\n\n[^#]*`trustProxy`/);
    expect(example['// [msg-relay]']).toBe('');
  });

  it('the example file loads and starts a relay that accepts a client', async () => {
    const config = loadConfig({ argv: ['--config', examplePath], overrides: { port: 0 } });
    expect(config.trustProxy).toEqual(['127.0.0.1', '::1']);
    const relay = new Relay(config);
    const [main] = await relay.start();
    try {
      const client = await Client.open(`ws://127.0.0.1:${main!.port}/msg-relay`);
      expect((await client.json()).message_type).toBe('connection_id');
      await client.close();
    } finally {
      await relay.stop();
    }
  });

  it('a bad trustProxy item is refused, naming the key and the item', () => {
    expect(() => loadConfig({ overrides: { trustProxy: ['10.0.0.0/33'] } })).toThrow(ConfigError);
    expect(() => loadConfig({ env: { SWITCHBOARD_TRUST_PROXY: '127.0.0.1,nginx' } })).toThrow(/key "trustProxy": "nginx" is not an IP address/);
    expect(() => loadConfig({ argv: ['--log-level', 'verbose'] })).toThrow(/flag "--log-level": expected one of debug, info, warn, error/);
  });
});
