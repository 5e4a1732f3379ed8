import { Captures } from './capture/captures.js';
import { RedisBus } from './cluster/redis-bus.js';
import { clusterTarget, pinnedListeners } from './config/load.js';
import { PROTOCOLS, type Config, type ProtocolName } from './config/schema.js';
import { hardenRunning, secretsOf, secureForLan, type Generated, type Secrets } from './config/secrets.js';
import { createCore, type Core, type CoreOptions } from './core/core.js';
import type { Hub } from './core/hub.js';
import { EventLog } from './core/log.js';
import { TapRecorder } from './core/record.js';
import { TrafficTap } from './core/tap.js';
import { createDialects } from './dialects/index.js';
import type { Dialect } from './dialects/types.js';
import { connectionPlace } from './http/connection.js';
import { RelayServer, type ListenerInfo, type ListenerSpec } from './http/server.js';
import { packageVersion } from './http/static.js';

export const SHUTDOWN_CODE = 1001;
export const SHUTDOWN_REASON = 'Switchboard is shutting down';

/** The whole relay: the hub, the protocols and the listeners, ready to start and stop. */
export class Relay {
  readonly tap: TrafficTap;
  readonly log = new EventLog();
  readonly core: Core;
  /** The registry of peers and rooms (core.hub). */
  readonly hub: Hub;
  readonly dialects: Map<ProtocolName, Dialect>;
  readonly server: RelayServer;
  readonly startedAt = Date.now();
  listeners: ListenerInfo[] = [];
  /** The cluster bus, when the relay is a node of one (`cluster`). */
  readonly cluster: RedisBus | undefined;
  /** Capture files of this run: at most one recording, as an observer of every delivery. */
  readonly captures: Captures;
  /** The secrets the protocols run on. */
  private readonly secrets: Secrets;
  /** Secrets generated at construction, announced when the relay starts. */
  private readonly generated: Generated[];

  /** `bus` puts a bus other than the in-process one in the path (a cluster's). */
  constructor(
    public config: Config,
    { bus }: Pick<CoreOptions, 'bus'> = {},
  ) {
    ({ config, generated: this.generated } = secureForLan(config));
    this.config = config;
    this.secrets = secretsOf(config);
    this.tap = new TrafficTap({ capacity: config.tapCapacity, frameBytes: config.tapFrameBytes, budgetBytes: config.tapBudgetBytes });
    const target = clusterTarget(config);
    let cluster: RedisBus | undefined;
    this.core = createCore(this.log, {
      maxQueueBytes: config.maxQueueBytes,
      ratePerSecond: config.rateLimitPerSecond,
      rateBurst: config.rateLimitBurst,
      maxRooms: config.maxRooms,
      bus: target
        ? (hub, delivery) =>
            (cluster = new RedisBus(hub, delivery, {
              target,
              timeoutMs: config.clusterNodeTimeoutSeconds * 1000,
              log: this.log,
              info: () => ({ urls: this.listeners.flatMap((l) => l.urls), startedAt: this.startedAt }),
            }))
        : bus,
    });
    this.cluster = cluster;
    this.core.observers.add(new TapRecorder(this.tap));
    this.hub = this.core.hub;
    this.dialects = createDialects({ ...this.core, config, secrets: this.secrets, connections: connectionPlace(this.core) });
    this.server = new RelayServer(this.core, this.dialects, config);
    this.captures = new Captures(
      (observer) => this.core.observers.add(observer),
      () => this.config,
      () => ({ version: packageVersion(), protocols: this.protocols }),
    );
  }

  /** Protocols that are spoken, in the order of PROTOCOLS. */
  get protocols(): ProtocolName[] {
    return PROTOCOLS.filter((p) => this.dialects.has(p));
  }

  /** Starts listening; with `record` set, the capture starts first so it sees the first client. */
  async start(): Promise<ListenerInfo[]> {
    if (this.config.record) await this.captures.start({ by: 'cli', file: this.config.record });
    // A node joins the cluster before it takes a client: its first peers need the registry.
    await this.cluster?.start();
    await this.listen();
    for (const g of this.generated.splice(0)) this.log.add('warn', 'secret', g.notice);
    this.core.keepalive.start(this.config.keepaliveTickSeconds * 1000);
    return this.listeners;
  }

  /**
   * Takes a new configuration. Host, port and listeners apply at once by moving the listeners
   * (open sockets stay connected); if the new ones cannot listen, the old ones come back.
   * Returns whether the listeners moved.
   */
  async reconfigure(asked: Config): Promise<boolean> {
    const { config: next, generated } = secureForLan(asked, this.secrets);
    hardenRunning(this.secrets, next);
    for (const g of generated) this.log.add('warn', 'secret', g.notice);
    const prev = this.config;
    const moves = next.host !== prev.host || next.port !== prev.port || next.listeners.join() !== prev.listeners.join();
    this.config = next;
    // Before start (or after stop) the new settings simply wait for start().
    if (!moves || this.listeners.length === 0) return false;
    // A relay on "any free port" keeps the port it got, so its URLs stay true.
    const current = this.listeners.find((l) => l.main)?.port ?? 0;
    await this.server.unlisten();
    try {
      await this.listen(next.port || (prev.port === 0 ? current : 0));
    } catch (err) {
      this.config = prev;
      await this.server.unlisten();
      await this.listen(current);
      throw err;
    }
    return true;
  }

  private async listen(port = this.config.port): Promise<void> {
    const { host, defaultProtocol } = this.config;
    const available = this.protocols;
    const main: ListenerSpec = {
      host,
      port,
      main: true,
      protocols: [defaultProtocol, ...available.filter((p) => p !== defaultProtocol)].filter((p) => this.dialects.has(p)),
    };
    const pinned = pinnedListeners(this.config).map((l) => ({ host, port: l.port, main: false, protocols: l.protocols.filter((p) => this.dialects.has(p)) }));
    try {
      this.listeners = await this.server.listen([main, ...pinned]);
    } catch (err) {
      await this.server.unlisten();
      throw err;
    }
    for (const l of this.listeners) this.log.add('info', 'listen', `${l.protocols.join(', ')} on ${l.urls.join(' ')}`, { urls: l.urls });
  }

  /** Closes every socket with a code and reason, then the listeners. */
  async stop(code = SHUTDOWN_CODE, reason = SHUTDOWN_REASON): Promise<void> {
    this.core.keepalive.stop();
    this.hub.closeAll(code, reason);
    for (const d of this.dialects.values()) d.stop?.();
    await this.server.close();
    await this.core.bus.close();
    await this.captures.stop('the relay stopped');
    this.listeners = [];
  }
}
