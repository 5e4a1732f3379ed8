/**
 * The one configuration schema. Every key is read, in order, from the defaults here, a JSON
 * config file, the environment (SWITCHBOARD_<KEY_IN_SNAKE_CASE>) and command-line flags
 * (--key-in-kebab-case). docs/configuration.md is checked against this table.
 */

export const PROTOCOLS = ['msg-relay', 'compendium', 'spacewar', 'intercessor', 'channelstream'] as const;
export type ProtocolName = (typeof PROTOCOLS)[number];

/** The host that shares the relay on the LAN, and the test for any host that binds every interface. */
export const ALL_INTERFACES = '0.0.0.0';
export const bindsAllInterfaces = (host: string): boolean => host === ALL_INTERFACES || host === '::';
/** Log levels, least severe first. */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;

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
    default: 100_000,
    min: 100,
    max: 1_000_000,
    doc: 'Traffic records the console can look back on (a ring buffer; the oldest go first, when this count or tapBudgetBytes runs out).',
  },
  tapFrameBytes: {
    type: 'int',
    default: 1 * MiB,
    min: 512,
    max: 64 * MiB,
    doc: 'Bytes of one frame the console keeps; a longer frame keeps its start and is marked truncated. The default keeps whole every frame the protocols accept by default.',
  },
  tapBudgetBytes: {
    type: 'int',
    default: 64 * MiB,
    min: 1 * MiB,
    max: 2048 * MiB,
    doc: 'Bytes of frames the console keeps in all, allocated at start and filled as traffic flows; the oldest records go first to make room.',
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

  // limits and access
  maxConnections: {
    type: 'int',
    default: 10_000,
    min: 1,
    max: 1_000_000,
    doc: 'Protocol WebSockets open at once, all protocols together; one more is refused with HTTP 503 before the upgrade.',
  },
  maxConnectionsPerAddress: {
    type: 'int',
    default: 1000,
    min: 1,
    max: 1_000_000,
    doc: 'Protocol WebSockets open at once from one remote address; one more is refused with HTTP 429 before the upgrade.',
  },
  maxRooms: {
    type: 'int',
    default: 10_000,
    min: 1,
    max: 1_000_000,
    doc: 'Rooms, groups and channels in existence, all protocols together; a client that would open one more is refused (HTTP 503, or close 1013).',
  },
  maxMetaBytes: {
    type: 'int',
    default: 64 * KiB,
    min: 16,
    max: 1024 * KiB,
    doc: 'Largest peer metadata (msg-relay x-peer-meta or ?meta=); a larger one is refused with HTTP 431. The original capped the whole request at 64 KiB.',
  },
  handshakeTimeoutMs: {
    type: 'int',
    default: 10_000,
    min: 100,
    max: 600_000,
    doc: 'A connection whose TLS handshake or HTTP request headers are not complete this long after it opened is dropped.',
  },
  bodyTimeoutMs: {
    type: 'int',
    default: 10_000,
    min: 100,
    max: 600_000,
    doc: 'An HTTP request body (channelstream\'s REST API) not complete this long after its headers is answered 408 and its connection closed.',
  },
  closeTimeoutMs: {
    type: 'int',
    default: 10_000,
    min: 100,
    max: 600_000,
    doc: 'After the relay sends a close frame, how long it waits for the client\'s before dropping the socket (and what it still had queued).',
  },
  rateLimitPerSecond: {
    type: 'int',
    default: 0,
    min: 0,
    max: 1_000_000,
    doc: 'Messages a peer may send per second on average (a token bucket); more closes it with 1008. 0 turns the limit off.',
  },
  rateLimitBurst: {
    type: 'int',
    default: 100,
    min: 1,
    max: 1_000_000,
    doc: 'Messages a peer may send at once above rateLimitPerSecond before the rate limit closes it.',
  },
  accessToken: {
    type: 'string',
    default: '',
    doc: 'When set, protocol clients must send it (Authorization: Bearer TOKEN, or ?token=TOKEN) or are refused with HTTP 401. The console API keeps its own token.',
  },
  allowedOrigins: {
    type: 'list',
    default: [],
    doc: 'When set, a request carrying an Origin header (a browser) not in this list is refused with HTTP 403, e.g. http://localhost:3000. Clients that send no Origin are not affected.',
  },
  tlsCert: { type: 'string', default: '', doc: 'PEM certificate file: with tlsKey, every listener serves wss:// and https://.' },
  tlsKey: { type: 'string', default: '', doc: 'PEM private key file for tlsCert.' },

  // compendium
  compendiumMaxMessageBytes: {
    type: 'int',
    default: MiB,
    min: 1024,
    max: 64 * MiB,
    doc: "Largest compendium message; a larger one is closed with 1009 (the original's websockets limit, 1 MiB).",
  },
  compendiumPingIntervalSeconds: {
    type: 'int',
    default: 20,
    min: 1,
    max: 3600,
    doc: 'A compendium peer silent this long is sent a ping.',
  },
  compendiumPingTimeoutSeconds: {
    type: 'int',
    default: 20,
    min: 1,
    max: 3600,
    doc: 'A compendium peer still silent this long after the ping is closed with 1011 "keepalive ping timeout".',
  },
  compendiumMaxAddresses: {
    type: 'int',
    default: 256,
    min: 1,
    max: 65_536,
    doc: 'Addresses one compendium socket may hold (each INIT mints one); past it the oldest stops being routable.',
  },

  // spacewar
  spacewarMaxMessageBytes: {
    type: 'int',
    default: MiB,
    min: 1024,
    max: 64 * MiB,
    doc: "Largest spacewar message; a larger one is closed with 1009 (the original's websockets limit, 1 MiB).",
  },
  spacewarPingIntervalSeconds: {
    type: 'int',
    default: 20,
    min: 1,
    max: 3600,
    doc: 'A spacewar peer silent this long is sent a ping.',
  },
  spacewarPingTimeoutSeconds: {
    type: 'int',
    default: 20,
    min: 1,
    max: 3600,
    doc: 'A spacewar peer still silent this long after the ping is closed with 1011 "keepalive ping timeout".',
  },

  // intercessor
  intercessorMaxMessageBytes: {
    type: 'int',
    default: MiB,
    min: 1024,
    max: 64 * MiB,
    doc: 'Largest intercessor message; a larger one is closed with 1009 (the original allowed 64 MiB; signaling needs far less).',
  },
  intercessorPingIntervalSeconds: {
    type: 'int',
    default: 20,
    min: 1,
    max: 3600,
    doc: 'An intercessor peer silent this long is sent a ping.',
  },
  intercessorPingTimeoutSeconds: {
    type: 'int',
    default: 20,
    min: 1,
    max: 3600,
    doc: 'An intercessor peer still silent this long after the ping is closed with 1011 "keepalive ping timeout".',
  },
  intercessorServerInfo: {
    type: 'string',
    default: '',
    doc: 'Text sent as serverInfo in every intercessor HELLO; empty sends none, as the original.',
  },
  intercessorServerPassphrase: {
    type: 'string',
    default: '',
    doc: 'When set, an intercessor server must connect to /server?passphrase=<this>; empty lets any server in, as the original.',
  },

  // channelstream
  channelstreamSecret: {
    type: 'string',
    default: 'secret',
    doc: 'channelstream: the secret API requests are signed with (itsdangerous TimestampSigner). Left at the default or empty on a relay bound beyond loopback, a random one is used instead and the log says so.',
  },
  channelstreamAdminUser: { type: 'string', default: 'admin', doc: 'channelstream: the user name of POST /admin/sign_in.' },
  channelstreamAdminSecret: {
    type: 'string',
    default: 'admin_secret',
    doc: 'channelstream: the password of POST /admin/sign_in, whose cookie opens /admin/admin.json for 30 days. Left at the default or empty on a relay bound beyond loopback, a random one is used instead.',
  },
  channelstreamAllowPostingFrom: {
    type: 'list',
    default: ['127.0.0.1'],
    doc: 'channelstream: addresses allowed to call the signed REST API; 0.0.0.0 allows any address.',
  },
  channelstreamValidateRequests: { type: 'bool', default: true, doc: 'channelstream: reject signatures older than 60 s (or dated in the future).' },
  channelstreamHeartbeatMs: { type: 'int', default: 5000, min: 50, max: 600_000, doc: 'channelstream: how often an attached socket is sent the [] heartbeat.' },
  channelstreamGcIdleMs: {
    type: 'int',
    default: 15_000,
    min: 100,
    max: 86_400_000,
    doc: 'channelstream: a connection idle this long is collected (its socket closed with 1000, "parted" sent).',
  },
  channelstreamPongTimeoutMs: {
    type: 'int',
    default: 20_000,
    min: 100,
    max: 600_000,
    doc: 'channelstream: the relay pings each attached socket with every heartbeat; one silent (no pong, no frame) for a heartbeat period plus this long is closed with 1011.',
  },
  channelstreamGcTickMs: { type: 'int', default: 1000, min: 20, max: 60_000, doc: 'channelstream: how often idle connections are looked for.' },
  channelstreamListenWaitMs: { type: 'int', default: 5000, min: 10, max: 120_000, doc: 'channelstream: how long a /listen long poll waits for a first message.' },
  channelstreamListenGatherMs: { type: 'int', default: 250, min: 0, max: 10_000, doc: 'channelstream: after the first message, how long a long poll waits for more.' },
  channelstreamMaxBodyBytes: { type: 'int', default: 1 * MiB, min: 1024, max: 64 * MiB, doc: 'channelstream: largest REST request body; a larger one is answered 413.' },
  channelstreamMaxMessagesPerCall: {
    type: 'int',
    default: 1000,
    min: 1,
    max: 100_000,
    doc: 'channelstream: most messages one POST, PATCH or DELETE /message may carry; a longer list is answered 422 and nothing of it is sent.',
  },
  channelstreamMaxFrameBytes: { type: 'int', default: 64 * KiB, min: 1024, max: 64 * MiB, doc: 'channelstream: largest frame a client may send on /ws; over it the socket is closed with 1009.' },
  channelstreamOperatorUser: { type: 'string', default: 'operator', doc: 'channelstream: the user operator messages from the console are sent as (E4).' },

  // console

  // running as a service
  logLevel: {
    type: 'enum',
    values: LOG_LEVELS,
    default: 'info',
    doc: 'Least severe event written to the log. error: failures; warn: also closes for protocol errors and slow consumers; info: also listeners and clean closes; debug: also every connection opened, with its client address.',
  },
  logFormat: {
    type: 'enum',
    values: ['text', 'json'],
    default: 'text',
    doc: 'text: one line per event for people (with journald priority prefixes when stdout is the journal); json: one JSON object per line for log shippers.',
  },
  trustProxy: {
    type: 'list',
    default: [],
    doc: 'Addresses or CIDR ranges of reverse proxies whose X-Forwarded-For header is believed (e.g. 127.0.0.1, ::1, 10.0.0.0/8). Empty: every client is known by the address of its TCP connection.',
  },

  // cluster
  cluster: {
    type: 'string',
    default: '',
    doc: 'redis://HOST:PORT[/DB]: share every room with the other nodes on this Redis. Empty runs one node with the in-process bus.',
  },
  nodeName: {
    type: 'string',
    default: '',
    doc: 'This node\'s name in the cluster (letters, digits, ".", "_", "-"). Empty uses the host name and process id.',
  },
  clusterNodeTimeoutSeconds: {
    type: 'int',
    default: 6,
    min: 2,
    max: 60,
    doc: 'A node whose heartbeat is this old is dead: the other nodes remove its peers within about a second more.',
  },

  // console
  consoleToken: {
    type: 'string',
    default: '',
    doc: 'Token the browser console needs to reach /console/api. Empty makes a random one at each start (printed inside the console URL).',
  },

  // capture
  record: {
    type: 'string',
    default: '',
    doc: 'A file to record a capture to from the start (switchboard serve --record FILE): every open, close and frame, as docs/capture.md describes. Empty: captures are started from the console.',
  },
  captureDir: {
    type: 'string',
    default: '',
    doc: 'Folder of the captures started from the console. Empty: switchboard-captures in the system temporary folder.',
  },
  captureMaxBytes: { type: 'int', default: 256 * MiB, min: 64 * KiB, max: 1024 * 1024 * MiB, doc: 'Size at which a capture stops by itself (the console may ask for less).' },
  captureMaxSeconds: { type: 'int', default: 3600, min: 1, max: 7 * 86_400, doc: 'Time after which a capture stops by itself (the console may ask for less).' },
  captureMaxBacklogBytes: {
    type: 'int',
    default: 16 * MiB,
    min: 64 * KiB,
    max: 1024 * MiB,
    doc: 'Bytes of a capture waiting for the disk; when the disk falls further behind, the capture stops with that reason rather than hold more memory.',
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

/** Where a setting above the config file came from: a SWITCHBOARD_* variable or a flag, which win at every start. */
export interface SettingSource {
  from: 'environment' | 'flag';
  /** The variable or flag that set it, such as SWITCHBOARD_PORT or --port. */
  name: string;
}
export type SettingSources = Partial<Record<ConfigKey, SettingSource>>;

export function defaults(): Config {
  const out: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(SCHEMA)) out[key] = spec.default;
  return out as Config;
}
