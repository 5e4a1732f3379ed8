import { Redis } from 'ioredis';
import type { ClusterTarget } from '../config/load.js';
import { ClusterMirror, toRecord, type Change, type ClusterPeer, type NodeInfo, type PeerRecord, type RegistryEvent, type Snapshot } from './mirror.js';
import * as lua from './scripts.js';

/** Every key and channel of the cluster starts with this. */
export const PREFIX = 'switchboard:';
const EVENTS = `${PREFIX}events`;
export const nodeChannel = (node: string): string => `${PREFIX}to:${node}`;
/** The registry of a node outlives its heartbeat, so a surviving node can still reap it. */
const REGISTRY_TTL_MS = 24 * 3600 * 1000;
/** How long a room's number waits for its peer to enter before the room may start over. */
const NUMBER_HOLD_MS = 10_000;
/** Reconnect backoff: doubling from 100 ms, at most 2 s. */
const backoff = (attempt: number): number => Math.min(100 * 2 ** Math.min(attempt, 5), 2000);

export type Health = 'starting' | 'ok' | 'degraded' | 'stopped';

/** The scripts that change one peer, by the name ioredis gives them. */
export type PeerScript = 'sbLeave' | 'sbEnter' | 'sbExit' | 'sbDescribe' | 'sbClaim' | 'sbRelease';

type Scripts = {
  [K in PeerScript | 'sbRegister' | 'sbJoin' | 'sbHeartbeat' | 'sbDeregister' | 'sbNumber']: (...args: string[]) => Promise<number>;
} & {
  sbReap(...args: string[]): Promise<string[]>;
  sbSnapshot(...args: string[]): Promise<unknown[]>;
  sbNamed(...args: string[]): Promise<string | null>;
};

const SCRIPTS: Record<string, string> = {
  sbRegister: lua.REGISTER,
  sbJoin: lua.JOIN,
  sbLeave: lua.LEAVE,
  sbEnter: lua.ENTER,
  sbExit: lua.EXIT,
  sbDescribe: lua.DESCRIBE,
  sbClaim: lua.CLAIM,
  sbRelease: lua.RELEASE,
  sbNumber: lua.NUMBER,
  sbNamed: lua.NAMED,
  sbHeartbeat: lua.HEARTBEAT,
  sbReap: lua.REAP,
  sbDeregister: lua.DEREGISTER,
  sbSnapshot: lua.SNAPSHOT,
};

export interface ClusterNodeOptions {
  target: ClusterTarget;
  /** A heartbeat older than this means the node is dead. */
  timeoutMs: number;
  /** This node's local peers, in join order, to register after (re)connecting. */
  localPeers(): ClusterPeer[];
  /** What the heartbeat tells the others (peers, rates, URLs). */
  info(): Omit<NodeInfo, 'name' | 'at'>;
  /** Registry changes, in the cluster's order, this node's peers included. */
  onChanges(changes: Change[]): void;
  /** A message on this node's channel. */
  onMessage(message: Buffer): void;
  onHealth(health: Health, why: string): void;
}

/** The cluster cannot do this while Redis is away. */
export class ClusterUnavailable extends Error {
  override name = 'ClusterUnavailable';
}

/**
 * One node's link to the cluster's Redis: registration, heartbeat, the reaper of dead nodes,
 * the mirror of the registry, and the two connections (commands, subscriptions). When Redis
 * goes away the node goes `degraded` and keeps serving its own peers; when it is back, the
 * node registers again and reloads the mirror (resynchronises).
 */
export class ClusterNode {
  readonly name: string;
  readonly mirror = new ClusterMirror();
  health: Health = 'starting';
  private readonly cmd: Redis & Scripts;
  private readonly sub: Redis;
  private timers: NodeJS.Timeout[] = [];
  /** Events heard while a snapshot is being taken, applied after it. */
  private held: RegistryEvent[] | undefined;
  private syncing = false;

  constructor(private readonly opts: ClusterNodeOptions) {
    this.name = opts.target.node;
    const common = {
      host: opts.target.host,
      port: opts.target.port,
      db: opts.target.db,
      lazyConnect: true,
      // A command while Redis is away fails at once: the node is degraded, it does not queue.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: backoff,
      connectionName: `switchboard:${this.name}`,
    };
    this.cmd = new Redis(common) as Redis & Scripts;
    // The subscriber queues its SUBSCRIBE until connected; ioredis subscribes again after a reconnect.
    this.sub = new Redis({ ...common, enableOfflineQueue: true });
    for (const [name, source] of Object.entries(SCRIPTS)) this.cmd.defineCommand(name, { numberOfKeys: 0, lua: source });
    for (const conn of [this.cmd, this.sub]) {
      conn.on('error', () => undefined); // seen as 'close' and health; ioredis retries
      conn.on('close', () => this.lost());
      conn.on('ready', () => this.maybeResync());
    }
    this.sub.on('messageBuffer', (channel: Buffer, message: Buffer) => this.heard(channel.toString(), message));
  }

  get redisAddress(): string {
    return `redis://${this.opts.target.host}:${this.opts.target.port}/${this.opts.target.db}`;
  }

  /** Connects, registers and loads the registry; rejects if Redis cannot be reached. */
  async start(): Promise<void> {
    try {
      await Promise.all([this.cmd.connect(), this.sub.connect()]);
      await this.sub.subscribe(EVENTS, nodeChannel(this.name));
      await this.sync('joined the cluster');
    } catch (err) {
      this.cmd.disconnect();
      this.sub.disconnect();
      throw new ClusterUnavailable(`cannot reach the cluster's Redis at ${this.redisAddress}: ${(err as Error).message}`);
    }
    const beat = Math.max(200, Math.floor(this.opts.timeoutMs / 3));
    this.timers.push(setInterval(() => void this.heartbeat(), beat), setInterval(() => void this.reap(), Math.min(1000, beat)));
    for (const t of this.timers) t.unref();
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    const wasUp = this.health === 'ok';
    this.health = 'stopped';
    if (wasUp) await this.cmd.sbDeregister(PREFIX, this.name).catch(() => undefined);
    this.cmd.disconnect();
    this.sub.disconnect();
  }

  /** Registers a peer of this node; rejects when its id is taken on another node. */
  join(peer: ClusterPeer): Promise<number> {
    return this.cmd.sbJoin(PREFIX, this.name, JSON.stringify(toRecord(peer)));
  }

  /** Changes one peer of this node in Redis; the change comes back as an event. */
  change(script: PeerScript, localKey: string, ...args: string[]): void {
    this.cmd[script](PREFIX, this.name, `${this.name}/${localKey}`, ...args).catch(() => undefined);
  }

  /**
   * While degraded, this node's own changes cannot go through Redis: the mirror takes them as
   * if they had, so its peers hear of them, and the resync registers the result.
   */
  applyLocally(event: RegistryEvent): void {
    if ('s' in event) event.s = this.mirror.seq + 1;
    this.announce(this.mirror.apply(event));
  }

  /** A room's next number, from Redis: rejects while degraded. */
  async number(protocol: string, room: string): Promise<number> {
    if (this.health !== 'ok') throw new ClusterUnavailable('the cluster is degraded (Redis is unreachable): room numbers cannot be given out');
    return this.cmd.sbNumber(PREFIX, protocol, room, String(NUMBER_HOLD_MS));
  }

  /** Who claimed a name, asked of Redis (the mirror may not have heard of a claim just made). */
  async named(protocol: string, name: string): Promise<string | undefined> {
    if (this.health !== 'ok') return undefined;
    return (await this.cmd.sbNamed(PREFIX, protocol, name).catch(() => null)) ?? undefined;
  }

  /** Publishes to one node's channel; false when Redis is away (the message is lost). */
  publish(node: string, message: Buffer): boolean {
    if (this.health !== 'ok') return false;
    this.cmd.publish(nodeChannel(node), message).catch(() => undefined);
    return true;
  }

  private heard(channel: string, message: Buffer): void {
    if (channel !== EVENTS) {
      this.opts.onMessage(message);
      return;
    }
    const event = JSON.parse(message.toString()) as RegistryEvent;
    if (this.held) this.held.push(event);
    // While degraded the mirror takes this node's own changes; the resync's snapshot covers the rest.
    else if (this.health === 'ok') this.applyEvents([event]);
  }

  /** Applies events one at a time, so whoever hears of a change sees the registry as it was then. */
  private applyEvents(events: RegistryEvent[]): void {
    for (const e of events) {
      // Taken for dead while alive (a stall longer than the timeout): register again, peers kept.
      if (e.e === 'gone' && e.n === this.name) {
        if (this.health === 'ok') void this.resync('the cluster took this node for dead');
      } else this.announce(this.mirror.apply(e));
    }
  }

  private announce(changes: Change[]): void {
    if (changes.length > 0) this.opts.onChanges(changes);
  }

  /** Registers every local peer and reloads the mirror from one snapshot. */
  private async sync(why: string): Promise<void> {
    this.held = [];
    const local = this.opts.localPeers();
    await this.cmd.sbRegister(PREFIX, this.name, JSON.stringify(this.infoNow()), String(this.opts.timeoutMs), JSON.stringify(local.map(toRecord)), String(REGISTRY_TTL_MS));
    const snapshot = parseSnapshot(await this.cmd.sbSnapshot(PREFIX));
    const held = this.held;
    this.held = undefined;
    const changes = this.mirror.load(snapshot);
    this.setHealth('ok', `${why}: ${local.length} local peer(s) registered; ${snapshot.nodes.length} node(s), ${this.mirror.size} peer(s) in the cluster`);
    this.announce(changes);
    this.applyEvents(held.filter((e) => !('s' in e) || e.s > snapshot.seq));
  }

  private lost(): void {
    if (this.health !== 'ok') return;
    this.setHealth('degraded', `lost Redis at ${this.redisAddress}: serving this node's peers only, reconnecting`);
  }

  private maybeResync(): void {
    if (this.health === 'degraded' && this.cmd.status === 'ready' && this.sub.status === 'ready') void this.resync('Redis is back');
  }

  private async resync(why: string): Promise<void> {
    if (this.syncing) return;
    this.syncing = true;
    try {
      await this.sync(why);
    } catch {
      // Redis went away again; its next 'ready' tries again.
      this.held = undefined;
    } finally {
      this.syncing = false;
    }
  }

  private async heartbeat(): Promise<void> {
    if (this.health !== 'ok') return;
    try {
      const known = await this.cmd.sbHeartbeat(PREFIX, this.name, JSON.stringify(this.infoNow()), String(this.opts.timeoutMs), String(REGISTRY_TTL_MS));
      if (known === 0) await this.resync('the cluster had taken this node for dead');
    } catch {
      // 'close' marks the node degraded.
    }
  }

  private async reap(): Promise<void> {
    if (this.health === 'ok') await this.cmd.sbReap(PREFIX).catch(() => undefined);
  }

  private infoNow(): NodeInfo {
    return { ...this.opts.info(), name: this.name, at: Date.now() };
  }

  private setHealth(health: Health, why: string): void {
    if (this.health === 'stopped') return;
    const changed = this.health !== health;
    this.health = health;
    if (changed || health === 'ok') this.opts.onHealth(health, why);
  }
}

function parseSnapshot(reply: unknown[]): Snapshot {
  const nodes: Snapshot['nodes'] = [];
  for (let i = 1; i + 2 < reply.length; i += 3) {
    const info = String(reply[i + 1]);
    nodes.push({
      name: String(reply[i]),
      info: info ? (JSON.parse(info) as NodeInfo) : undefined,
      peers: (reply[i + 2] as string[]).map((v) => JSON.parse(v) as PeerRecord),
    });
  }
  return { seq: Number(reply[0]), nodes };
}
