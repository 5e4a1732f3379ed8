import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, envName, flagName, loadConfig, loadLayers, pinnedListeners } from '../../relay/config/load.js';

const file = (content: string): string => {
  const path = join(mkdtempSync(join(tmpdir(), 'switchboard-config-')), 'config.json');
  writeFileSync(path, content);
  return path;
};

describe('configuration', () => {
  it('names flags and environment variables after the keys', () => {
    expect(flagName('msgRelayMaxFrameBytes')).toBe('--msg-relay-max-frame-bytes');
    expect(envName('msgRelayMaxFrameBytes')).toBe('SWITCHBOARD_MSG_RELAY_MAX_FRAME_BYTES');
  });

  it('layers defaults, file, environment and flags, in that order', () => {
    const path = file(JSON.stringify({ port: 1111, host: '0.0.0.0', msgRelayDefaultGroup: 'fromfile' }));
    const config = loadConfig({ argv: ['--config', path, '--port=3333'], env: { SWITCHBOARD_PORT: '2222', SWITCHBOARD_MSG_RELAY_DEFAULT_GROUP: 'fromenv' } });
    expect(config.port).toBe(3333);
    expect(config.host).toBe('0.0.0.0');
    expect(config.msgRelayDefaultGroup).toBe('fromenv');
    expect(config.tapCapacity).toBe(10_000);
  });

  it('tells which keys the environment and flags set, and which file was read', () => {
    const path = file(JSON.stringify({ port: 1111, msgRelayDefaultGroup: 'fromfile' }));
    const layers = loadLayers({ argv: ['--port=3333'], env: { SWITCHBOARD_CONFIG: path, SWITCHBOARD_PORT: '2222', SWITCHBOARD_HOST: '0.0.0.0' } });
    expect(layers.file).toBe(path);
    expect(layers.sources).toEqual({ port: { from: 'flag', name: '--port' }, host: { from: 'environment', name: 'SWITCHBOARD_HOST' } });
    expect(layers.config.msgRelayDefaultGroup).toBe('fromfile');
    expect(layers.warnings).toEqual([]);
  });

  it('warns of an unknown SWITCHBOARD_* variable, naming the nearest known one, and starts', () => {
    const layers = loadLayers({ env: { SWITCHBOARD_PORTT: '1', SWITCHBOARD_MSG_RELAY_DEFAULT_GRUOP: 'x', SWITCHBOARD_HOST: '0.0.0.0', OTHER_TOOL: 'y' } });
    expect(layers.warnings).toEqual([
      'unknown environment variable "SWITCHBOARD_PORTT" is ignored (did you mean SWITCHBOARD_PORT?)',
      'unknown environment variable "SWITCHBOARD_MSG_RELAY_DEFAULT_GRUOP" is ignored (did you mean SWITCHBOARD_MSG_RELAY_DEFAULT_GROUP?)',
    ]);
    expect(layers.config.host).toBe('0.0.0.0');
    expect(layers.config.port).toBe(8765);
  });

  it.each([
    [{ env: { SWITCHBOARD_PORT: 'x' } }, 'environment variable "SWITCHBOARD_PORT": expected a whole number, got "x"'],
    [{ argv: ['--prot', '1'] }, 'unknown flag "--prot"'],
    [{ argv: ['--port', 'eighty'] }, 'flag "--port": expected a whole number, got "eighty"'],
    [{ argv: ['--port', '70000'] }, 'flag "--port": 70000 is outside 0..65535'],
    [{ argv: ['--port'] }, 'flag "--port" needs a value'],
    [{ argv: ['--default-protocol', 'irc'] }, 'expected one of msg-relay, compendium, spacewar, intercessor, channelstream, got "irc"'],
    [{ argv: ['--listeners', 'compendium:8001,gopher:70'] }, 'key "listeners": "gopher:70" is not PROTOCOL[+PROTOCOL]:PORT'],
    [{ argv: ['--msg-relay-ping-after-seconds', '30'] }, 'key "msgRelayCloseAfterSeconds" must be larger than "msgRelayPingAfterSeconds"'],
  ])('rejects %j, naming the culprit', (opts, message) => {
    expect(() => loadConfig(opts)).toThrow(ConfigError);
    expect(() => loadConfig(opts)).toThrow(message);
  });

  it('names an unknown key, a bad value and a bad file', () => {
    expect(() => loadConfig({ argv: ['--config', file('{"prot": 1}')] })).toThrow(/config file ".*": unknown key "prot"/);
    expect(() => loadConfig({ argv: ['--config', file('{"port": "x"}')] })).toThrow(/key "port": expected a whole number/);
    expect(() => loadConfig({ argv: ['--config', file('{port: 1}')] })).toThrow(/not valid JSON/);
    expect(() => loadConfig({ argv: ['--config', '/nonexistent/switchboard.json'] })).toThrow(/ENOENT/);
  });

  it.each(['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'])('takes %s as an unknown name in a file, the environment, flags and settings', (name) => {
    // JSON.parse makes "__proto__" an own key, as a config file or a console request would have it.
    const obj = JSON.parse(`{"port": 0, ${JSON.stringify(name)}: 1}`) as Record<string, unknown>;
    expect(() => loadConfig({ argv: ['--config', file(JSON.stringify(obj))] })).toThrow(`unknown key "${name}"`);
    expect(() => loadConfig({ overrides: obj })).toThrow(`settings: unknown key "${name}"`);
    expect(() => loadConfig({ argv: [flagName(name), '1'] })).toThrow(`unknown flag "${flagName(name)}"`);
    // An unknown variable is a warning, not an error: the environment carries other tools' too.
    const fromEnv = loadLayers({ env: { [envName(name)]: '1' } });
    expect(fromEnv.warnings).toEqual([expect.stringContaining(`unknown environment variable "${envName(name)}" is ignored`)]);
    expect(fromEnv.config).toEqual(loadConfig());
  });

  it('reads pinned listeners', () => {
    const config = loadConfig({ argv: ['--listeners', 'compendium:8001, intercessor+channelstream:8000'] });
    expect(pinnedListeners(config)).toEqual([
      { protocols: ['compendium'], port: 8001 },
      { protocols: ['intercessor', 'channelstream'], port: 8000 },
    ]);
  });
});
