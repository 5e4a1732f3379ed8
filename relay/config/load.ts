import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { ProxyTrust } from '../net/remote.js';
import { PROTOCOLS, SCHEMA, defaults, type Config, type ConfigKey, type KeySpec, type ProtocolName, type SettingSources } from './schema.js';

/** A configuration problem, always naming the key (or flag, or file) at fault. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

const KEYS = Object.keys(SCHEMA) as ConfigKey[];
const SPECS: Readonly<Record<string, KeySpec>> = SCHEMA;

export const envName = (key: string): string => 'SWITCHBOARD_' + key.replace(/[A-Z]/g, (c) => '_' + c).toUpperCase();
export const flagName = (key: string): string => '--' + key.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());

const byFlag = new Map(KEYS.map((k) => [flagName(k), k]));
const byEnv = new Map(KEYS.map((k) => [envName(k), k]));

/** Turns text (from the environment or a flag) or a JSON value (from a file) into a checked value. */
function coerce(spec: KeySpec, raw: unknown, where: string): unknown {
  switch (spec.type) {
    case 'string':
      if (typeof raw !== 'string') throw new ConfigError(`${where}: expected a string`);
      return raw;
    case 'int': {
      const n = typeof raw === 'string' && /^-?\d+$/.test(raw.trim()) ? Number(raw) : raw;
      if (typeof n !== 'number' || !Number.isInteger(n)) throw new ConfigError(`${where}: expected a whole number, got ${JSON.stringify(raw)}`);
      if (n < spec.min || n > spec.max) throw new ConfigError(`${where}: ${n} is outside ${spec.min}..${spec.max}`);
      return n;
    }
    case 'bool':
      if (typeof raw === 'boolean') return raw;
      if (raw === 'true' || raw === '1' || raw === 'yes') return true;
      if (raw === 'false' || raw === '0' || raw === 'no') return false;
      throw new ConfigError(`${where}: expected true or false, got ${JSON.stringify(raw)}`);
    case 'enum':
      if (typeof raw !== 'string' || !spec.values.includes(raw))
        throw new ConfigError(`${where}: expected one of ${spec.values.join(', ')}, got ${JSON.stringify(raw)}`);
      return raw;
    case 'list': {
      const items = typeof raw === 'string' ? raw.split(',').map((s) => s.trim()).filter(Boolean) : raw;
      if (!Array.isArray(items) || !items.every((s) => typeof s === 'string'))
        throw new ConfigError(`${where}: expected a list of strings`);
      return items;
    }
  }
}

function applyObject(target: Record<string, unknown>, obj: unknown, source: string): void {
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) throw new ConfigError(`${source}: expected a JSON object of settings`);
  for (const [key, raw] of Object.entries(obj)) {
    if (key === '$schema' || key.startsWith('//')) continue;
    // Own keys only: "__proto__", "constructor" or "toString" is an unknown key like any other.
    const spec = Object.hasOwn(SPECS, key) ? SPECS[key] : undefined;
    if (!spec) throw new ConfigError(`${source}: unknown key "${key}"`);
    target[key] = coerce(spec, raw, `${source}: key "${key}"`);
  }
}

export interface ParsedArgs {
  /** Settings given as flags, already checked. */
  flags: Record<string, unknown>;
  configFile: string | undefined;
  help: boolean;
}

/** Reads `--key value`, `--key=value` and `--config FILE`; any other flag is an error naming it. */
export function parseFlags(argv: readonly string[]): ParsedArgs {
  const flags: Record<string, unknown> = {};
  let configFile: string | undefined;
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') {
      help = true;
      continue;
    }
    if (!arg.startsWith('--')) throw new ConfigError(`unexpected argument "${arg}"`);
    const eq = arg.indexOf('=');
    const name = eq >= 0 ? arg.slice(0, eq) : arg;
    const key = byFlag.get(name);
    if (name !== '--config' && !key) throw new ConfigError(`unknown flag "${name}" (see --help)`);
    let value: string | undefined = eq >= 0 ? arg.slice(eq + 1) : argv[i + 1];
    if (eq < 0) {
      const spec = key ? SPECS[key] : undefined;
      // A bare boolean flag means true.
      if (spec?.type === 'bool' && (value === undefined || value.startsWith('--'))) value = 'true';
      else i++;
    }
    if (value === undefined) throw new ConfigError(`flag "${name}" needs a value`);
    if (name === '--config') configFile = value;
    else flags[key!] = coerce(SCHEMA[key!], value, `flag "${name}"`);
  }
  return { flags, configFile, help };
}

export interface LoadOptions {
  argv?: readonly string[];
  env?: NodeJS.ProcessEnv;
  /** A config file to use when no --config flag names one (the desktop app's stored settings). */
  configFile?: string;
  /** Settings that win over everything else (tests, the desktop app). */
  overrides?: Partial<Config>;
}

export interface Layers {
  config: Config;
  /** The config file that was read, if any: --config, SWITCHBOARD_CONFIG, or the given configFile. */
  file: string | undefined;
  /** The keys the environment or flags set, which win over the file at every start. */
  sources: SettingSources;
  /** Problems that do not stop the relay, one line each (an unknown SWITCHBOARD_* variable). */
  warnings: string[];
}

const ENV_PREFIX = 'SWITCHBOARD_';
const CONFIG_ENV = 'SWITCHBOARD_CONFIG';

/** defaults, then the config file, then the environment, then flags, then overrides. */
export function loadConfig(opts: LoadOptions = {}): Config {
  return loadLayers(opts).config;
}

/** loadConfig, telling also which file was read, which keys the environment and flags set, and what was ignored. */
export function loadLayers(opts: LoadOptions = {}): Layers {
  const parsed = parseFlags(opts.argv ?? []);
  const out: Record<string, unknown> = { ...defaults() };
  const file = parsed.configFile ?? opts.env?.[CONFIG_ENV] ?? opts.configFile;
  if (file) applyObject(out, readConfigFile(file), `config file "${file}"`);
  const sources: SettingSources = {};
  const warnings: string[] = [];
  for (const [name, raw] of Object.entries(opts.env ?? {})) {
    if (!name.startsWith(ENV_PREFIX) || name === CONFIG_ENV || raw === undefined) continue;
    const key = byEnv.get(name);
    // A deployer's environment carries variables meant for other versions and tools: ignore, but say so.
    if (!key) {
      warnings.push(`unknown environment variable "${name}" is ignored (did you mean ${nearest(name, [...byEnv.keys(), CONFIG_ENV])}?)`);
      continue;
    }
    out[key] = coerce(SCHEMA[key], raw, `environment variable "${name}"`);
    sources[key] = { from: 'environment', name };
  }
  Object.assign(out, parsed.flags);
  for (const key of Object.keys(parsed.flags) as ConfigKey[]) sources[key] = { from: 'flag', name: flagName(key) };
  if (opts.overrides) applyObject(out, opts.overrides, 'settings');
  return { config: validate(out as Config), file, sources, warnings };
}

function readConfigFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`config file "${file}": ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new ConfigError(`config file "${file}": not valid JSON (${(err as Error).message})`);
  }
}

/** The candidate closest to `name` by edit distance (a misspelt variable's likely meaning). */
export function nearest(name: string, candidates: readonly string[]): string {
  let best = candidates[0]!;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(name, c);
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length]!;
}

/** Checks between keys, which no single key's type can express. */
function validate(config: Config): Config {
  if (config.msgRelayCloseAfterSeconds <= config.msgRelayPingAfterSeconds)
    throw new ConfigError('key "msgRelayCloseAfterSeconds" must be larger than "msgRelayPingAfterSeconds"');
  if (Boolean(config.tlsCert) !== Boolean(config.tlsKey)) throw new ConfigError(`key "${config.tlsCert ? 'tlsKey' : 'tlsCert'}" must be set together with "${config.tlsCert ? 'tlsCert' : 'tlsKey'}"`);
  pinnedListeners(config);
  proxyTrust(config);
  clusterTarget(config);
  if (config.nodeName && !NODE_NAME.test(config.nodeName))
    throw new ConfigError(`key "nodeName": "${config.nodeName}" must be 1 to 64 letters, digits, ".", "_" or "-"`);
  return config;
}

const NODE_NAME = /^[A-Za-z0-9._-]{1,64}$/;

export interface ClusterTarget {
  host: string;
  port: number;
  db: number;
  /** The node's name: the nodeName key, or the host name and process id. */
  node: string;
}

/** The `cluster` key: where the Redis of the cluster is, or undefined to run one node alone. */
export function clusterTarget(config: Config): ClusterTarget | undefined {
  if (!config.cluster) return undefined;
  const bad = (why: string): never => {
    throw new ConfigError(`key "cluster": "${config.cluster}" ${why} (expected redis://HOST:PORT[/DB])`);
  };
  let url: URL;
  try {
    url = new URL(config.cluster);
  } catch {
    return bad('is not a URL');
  }
  if (url.protocol !== 'redis:') bad('is not a redis:// URL');
  if (!url.hostname) bad('names no host');
  const path = url.pathname.replace(/^\//, '');
  if (path && !/^\d{1,5}$/.test(path)) bad('names a database that is not a number');
  const db = Number(path || 0);
  const node = config.nodeName || `${hostname()}-${process.pid}`;
  return { host: url.hostname.replace(/^\[|\]$/g, ''), port: url.port ? Number(url.port) : 6379, db, node };
}

/** The `trustProxy` key: the reverse proxies whose X-Forwarded-For is believed. */
export function proxyTrust(config: Config): ProxyTrust {
  try {
    return new ProxyTrust(config.trustProxy);
  } catch (err) {
    throw new ConfigError(`key "trustProxy": ${(err as Error).message}`);
  }
}

export interface PinnedListener {
  protocols: ProtocolName[];
  port: number;
}

/** The `listeners` key: PROTOCOL[+PROTOCOL]:PORT items. */
export function pinnedListeners(config: Config): PinnedListener[] {
  return config.listeners.map((item) => {
    const m = /^([a-z-]+(?:\+[a-z-]+)*):(\d{1,5})$/.exec(item);
    const protocols = (m?.[1]?.split('+') ?? []) as ProtocolName[];
    const port = Number(m?.[2]);
    const bad = protocols.find((p) => !PROTOCOLS.includes(p));
    if (!m || bad || port < 1 || port > 65535)
      throw new ConfigError(`key "listeners": "${item}" is not PROTOCOL[+PROTOCOL]:PORT with protocols among ${PROTOCOLS.join(', ')}`);
    return { protocols, port };
  });
}

/** The --help text, made from the schema so it never drifts. */
export function usage(): string {
  const lines = ['Usage: switchboard serve [--config FILE] [--flag value ...]', '', 'Flags (each also SWITCHBOARD_<NAME> in the environment):'];
  for (const key of KEYS) {
    const spec = SPECS[key]!;
    const def = Array.isArray(spec.default) ? spec.default.join(',') : String(spec.default);
    lines.push(`  ${flagName(key).padEnd(30)} ${spec.doc} [default: ${def || '""'}]`);
  }
  return lines.join('\n');
}
