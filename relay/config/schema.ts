/**
 * The one configuration schema. Every key is read, in order, from the defaults here, a JSON
 * config file, the environment (SWITCHBOARD_<KEY_IN_SNAKE_CASE>) and command-line flags
 * (--key-in-kebab-case). docs/configuration.md is checked against this table.
 */

export const PROTOCOLS = ['msg-relay', 'compendium', 'spacewar', 'intercessor', 'channelstream'] as const;
export type ProtocolName = (typeof PROTOCOLS)[number];

interface KeyBase {
  doc: string;
}
export interface StringKey extends KeyBase {
  type: 'string';
  default: string;
}
export interface IntKey extends KeyBase {
  type: 'int';
  default: number;
  min: number;
  max: number;
}
export interface BoolKey extends KeyBase {
  type: 'bool';
  default: boolean;
}
export interface EnumKey<V extends string = string> extends KeyBase {
  type: 'enum';
  values: readonly V[];
  default: V;
}
export interface ListKey extends KeyBase {
  type: 'list';
  default: readonly string[];
}
export type KeySpec = StringKey | IntKey | BoolKey | EnumKey | ListKey;

const KiB = 1024;
const MiB = 1024 * KiB;

export const SCHEMA = {
  // The relay
  host: {
    type: 'string',
    default: '127.0.0.1',
    doc: 'Address the main listener binds. 127.0.0.1 keeps the relay on this machine; 0.0.0.0 shares it on the LAN.',
  },
  port: { type: 'int', default: 8765, min: 0, max: 65535, doc: 'Port of the main listener, which speaks every protocol routed by path. 0 picks a free port.' },
  defaultProtocol: {
    type: 'enum',
    values: PROTOCOLS,
    default: 'msg-relay',
    doc: 'Protocol of a WebSocket upgrade whose path names no protocol.',
  },
  listeners: {
    type: 'list',
    default: [],
    doc: 'Extra listeners pinned to protocols, as PROTOCOL[+PROTOCOL]:PORT (e.g. compendium:8001, intercessor+channelstream:8000). They bind the same host.',
  },

  // Limits shared by every protocol
  maxQueueBytes: {
    type: 'int',
    default: 4 * MiB,
    min: 64 * KiB,
    max: 1024 * MiB,
    doc: 'Bytes a peer may have queued and unsent before it is closed with 1013 as a slow consumer.',
  },
  tapCapacity: {
    type: 'int',
    default: 10_000,
    min: 100,
    max: 1_000_000,
    doc: 'Traffic records the console can look back on (a ring buffer; older records are overwritten).',
  },
  keepaliveTickSeconds: {
    type: 'int',
    default: 5,
    min: 1,
    max: 60,
    doc: 'How often idle peers are checked for keepalive pings and timeouts.',
  },

  // msg-relay
  msgRelayMaxFrameBytes: {
    type: 'int',
    default: 409_599,
    min: 1024,
    max: 64 * MiB,
    doc: 'Largest msg-relay frame; a larger one is closed with 1009 (the original dropped the TCP connection at 409,600).',
  },
  msgRelayDefaultGroup: { type: 'string', default: 'kk', doc: 'Group of a msg-relay peer that names none (the original\'s default).' },
  msgRelayPingAfterSeconds: {
    type: 'int',
    default: 15,
    min: 1,
    max: 3600,
    doc: 'A msg-relay peer silent this long is sent a ping.',
  },
  msgRelayCloseAfterSeconds: {
    type: 'int',
    default: 25,
    min: 2,
    max: 7200,
    doc: 'A msg-relay peer silent this long is closed with 1002 "No pong received after 2 pings".',
  },

  // compendium

  // spacewar

  // intercessor

  // channelstream

  // console
  consoleToken: {
    type: 'string',
    default: '',
    doc: 'Token the browser console needs to reach /console/api. Empty makes a random one at each start (printed inside the console URL).',
  },
} as const satisfies Record<string, KeySpec>;

export type ConfigKey = keyof typeof SCHEMA;

type ValueOf<K extends KeySpec> = K extends IntKey
  ? number
  : K extends BoolKey
    ? boolean
    : K extends ListKey
      ? readonly string[]
      : K extends EnumKey<infer V>
        ? V
        : string;

export type Config = { readonly [K in ConfigKey]: ValueOf<(typeof SCHEMA)[K]> };

export function defaults(): Config {
  const out: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(SCHEMA)) out[key] = spec.default;
  return out as Config;
}
