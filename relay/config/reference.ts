import { envName, flagName } from './load.js';
import { SCHEMA, type Config, type ConfigKey, type KeySpec } from './schema.js';

/**
 * docs/configuration.md and deploy/switchboard.example.json, both made from the schema so
 * they never drift (`npm run docs:config` writes them; a test checks they are current).
 * The schema's section comments are read from its source text, which is the only place
 * they exist.
 */

const KEYS = Object.keys(SCHEMA) as ConfigKey[];
const SPECS: Readonly<Record<string, KeySpec>> = SCHEMA;
const OTHER = 'Other settings';

/** Values the example file sets for a relay behind a reverse proxy on the same machine. */
const EXAMPLE_VALUES: Partial<Config> = { trustProxy: ['127.0.0.1', '::1'] };

/** The schema's keys grouped under its section comments, in schema order. */
export function sections(schemaSource: string): [title: string, keys: ConfigKey[]][] {
  const sectionOf = new Map<string, string>();
  const body = schemaSource.slice(schemaSource.indexOf('export const SCHEMA'));
  let current = OTHER;
  for (const line of body.split('\n')) {
    const comment = /^ {2}\/\/ (.+)$/.exec(line);
    const key = /^ {2}(\w+):/.exec(line);
    if (comment) current = comment[1]!.trim();
    else if (key && !sectionOf.has(key[1]!)) sectionOf.set(key[1]!, current);
  }
  const out = new Map<string, ConfigKey[]>();
  for (const key of KEYS) {
    const title = sectionOf.get(key) ?? OTHER;
    out.set(title, [...(out.get(title) ?? []), key]);
  }
  return [...out];
}

function typeText(spec: KeySpec): string {
  switch (spec.type) {
    case 'string':
      return 'string';
    case 'int':
      return `whole number, ${spec.min}..${spec.max}`;
    case 'bool':
      return 'true or false';
    case 'enum':
      return `one of ${spec.values.map((v) => `\`${v}\``).join(', ')}`;
    case 'list':
      return 'list of strings (comma-separated in a flag or the environment)';
  }
}

const cell = (text: string): string => text.replace(/\|/g, '\\|');

export function renderReference(schemaSource: string): string {
  const lines = [
    '# Configuration reference',
    '',
    '<!-- Generated from relay/config/schema.ts by `npm run docs:config`. Do not edit by hand. -->',
    '',
    'Every setting is read, in order (a later source wins), from the defaults below, a JSON',
    'config file (`--config FILE` or `SWITCHBOARD_CONFIG=FILE`), the environment',
    '(`SWITCHBOARD_<KEY_IN_SNAKE_CASE>`) and command-line flags (`--key-in-kebab-case VALUE`).',
    'In the file, keys that start with `//` are comments. An unknown key (in the file or a flag)',
    'or a bad value stops the relay with an error that names it. An unknown `SWITCHBOARD_*`',
    'variable is only a warning naming the nearest known one, since an environment carries',
    'variables for other versions and tools. The desktop app reads the same layers, its',
    '`settings.json` being the file unless `--config` names another.',
    '[deploy/switchboard.example.json](../deploy/switchboard.example.json)',
    'has every key with its default and its description.',
  ];
  for (const [title, keys] of sections(schemaSource)) {
    lines.push('', `## ${title[0]!.toUpperCase()}${title.slice(1)}`, '', '| key | flag / environment | type | default | meaning |', '|---|---|---|---|---|');
    for (const key of keys) {
      const spec = SPECS[key]!;
      lines.push(`| \`${key}\` | \`${flagName(key)}\`<br>\`${envName(key)}\` | ${cell(typeText(spec))} | \`${JSON.stringify(spec.default)}\` | ${cell(spec.doc)} |`);
    }
  }
  return lines.join('\n') + '\n';
}

/** An annotated config file: every key, a `// key` comment before it, sections as `// [title]`. */
export function renderExample(schemaSource: string): string {
  const changed = Object.keys(EXAMPLE_VALUES).join(', ');
  const entries: [string, unknown][] = [
    [
      '//',
      `Switchboard configuration (JSON; keys starting with // are comments). Every key is here with its default, except ${changed}, set for a reverse proxy on this machine. Generated from the schema by npm run docs:config; see docs/configuration.md.`,
    ],
  ];
  for (const [title, keys] of sections(schemaSource)) {
    entries.push([`// [${title}]`, '']);
    for (const key of keys) {
      entries.push([`// ${key}`, SPECS[key]!.doc]);
      entries.push([key, (EXAMPLE_VALUES as Record<string, unknown>)[key] ?? SPECS[key]!.default]);
    }
  }
  const body = entries.map(([k, v]) => `  ${JSON.stringify(k)}: ${JSON.stringify(v)}`).join(',\n');
  return `{\n${body}\n}\n`;
}
