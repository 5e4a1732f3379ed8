import { Redis } from 'ioredis';
import type { ClusterTarget } from '../config/load.js';
import { ClusterMirror, fromRecord, toRecord, type Change, type ClusterPeer, type NodeInfo, type PeerRecord, type RegistryEvent, type Snapshot } from './mirror.js';
import { DEREGISTER, HEARTBEAT, JOIN, LEAVE, REAP, REGISTER, SNAPSHOT } from './scripts.js';

/** Every key and channel of the cluster starts with this. */
export const PREFIX = 'switchboard:';
const EVENTS = `${PREFIX}events`;
export const nodeChannel = (node: string): string => `${PREFIX}to:${node}`;
/** The registry of a node outlives its heartbeat, so a surviving node can still reap it. */
const REGISTRY_TTL_MS = 24 * 3600 * 1000;
/** Reconnect backoff: doubling from 100 ms, at most 2 s. */
const backoff = (attempt: number): number => Math.min(100 * 2 ** Math.min(attempt, 5), 2000);

export type Health = 'starting' | 'ok' | 'degraded' | 'stopped';

/** How a peer asks to join: its id is given, or (mode counter) comes from its room's counter. */
export type JoinRequest = Omit<ClusterPeer, 'node' | 'counted' | 'rooms'> & { rooms: string[] };

interface Scripts {
  sbRegister(...args: string[]): Promise<number>;
  sbJoin(...args: string[]): Promise<string>;
  sbLeave(...args: string[]): Promise<number>;
  sbHeartbeat(...args: string[]): Promise<number>;
  sbReap(...args: string[]): Promise<string[]>;
  sbDeregister(...args: string[]): Promise<number>;
  sbSnapshot(...args: string[]): Promise<unknown[]>;
}

export interface ClusterNodeOptions {
  target: ClusterTarget;
  /** A heartbeat older than this means the node is dead. */
  timeoutMs: number;
  /** This node's local peers, in join order, to register after (re)connecting. */
  localPeers(): ClusterPeer[];
  /** What the heartbeat tells the others (peers, rates, URLs). */
  info(): Omit<NodeInfo, 'name' | 'at'>;
  /** Registry changes, in the cluster's order, own peers included. */
  onChanges(changes: Change[]): void;
  /** A message on this node's channel. */
  onMessage(message: Buffer): void;
  onHealth(health: Health, why: string): void;
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
  private held: RegistryEvent[] | undefined = [];
  private readonly pendingJoins = new Map<string, PendingJoin>();
  private syncing: Promise<void> | undefined;

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
    this.sub = new Redis({ ...common, enableOfflineQueue: true });
    const scripts = { sbRegister: REGISTER, sbJoin: JOIN, sbLeave: LEAVE, sbHeartbeat: HEARTBEAT, sbReap: REAP, sbDeregister: DEREGISTER, sbSnapshot: SNAPSHOT };
    for (const [name, lua] of Object.entries(scripts)) this.cmd.defineCommand(name, { numberOfKeys: 0, lua });
    for (const conn of [this.cmd, this.sub]) {
      conn.on('error', () => undefined); // reported through 'close' and health; ioredis retries
      conn.on('close', () => this.lost());
      conn.on('ready', () => this.maybeResync());
    }
    this.sub.on('messageBuffer', (channel: Buffer, message: Buffer) => this.heard(channel.toString(), message));
  }

  /** Connects, registers and loads the registry; rejects if Redis cannot be reached at all. */
  async start(): Promise<void> {
    await Promise.all([this.cmd.connect(), this.sub.connect()]);
    await this.sub.subscribe(EVENTS, nodeChannel(this.name));
    await this.sync('registered with the cluster');
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

  /**
   * Registers a local peer cluster-wide. Resolves once the node has heard its own join, so
   * everything that joined before it is in the mirror. `counter` takes the id from the room's
   * counter (the request's id is ignored). While degraded it resolves at once, locally: the
   * resync registers it.
   */
  async join(req: JoinRequest, mode: 'counter' | 'unique'): Promise<ClusterPeer> {
    const peer: ClusterPeer = { ...req, node: this.name, counted: mode === 'counter', rooms: new Map(req.rooms.map((r) => [r, 0])) };
    if (this.health !== 'ok') {
      if (mode === 'counter') throw new ClusterUnavailable('the cluster is degraded (Redis is unreachable): ids cannot be given out');
      return peer;
    }
    const pending: PendingJoin = { resolve: () => undefined };
    const heard = new Promise<ClusterPeer>((resolve) => (pending.resolve = resolve));
    this.pendingJoins.set(peer.key, pending);
    try {
      pending.stored = fromRecord(JSON.parse(await this.cmd.sbJoin(PREFIX, this.name, JSON.stringify(toRecord(peer)), mode)) as PeerRecord);
      // Redis went away between the script and its event: the stored record stands.
      if (this.health !== 'ok') return pending.stored;
      return await heard;
    } catch (err) {
      throw this.health === 'ok' ? err : new ClusterUnavailable(`the cluster is degraded: ${(err as Error).message}`);
    } finally {
      this.pendingJoins.delete(peer.key);
    }
  }

  leave(key: string, code: number, reason: string): void {
    if (this.health === 'ok') this.cmd.sbLeave(PREFIX, this.name, key, String(code), reason).catch(() => undefined);
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
    else this.applyEvents([event]);
  }

  private applyEvents(events: RegistryEvent[]): void {
    const changes: Change[] = [];
    for (const e of events) {
      // Taken for dead while alive (a stall longer than the timeout): register again, keep the peers.
      if (e.e === 'gone' && e.n === this.name) {
        if (this.health === 'ok') void this.resync('the cluster took this node for dead');
      } else changes.push(...this.mirror.apply(e));
    }
    this.announce(changes);
  }

  private announce(changes: Change[]): void {
    if (changes.length === 0) return;
    this.opts.onChanges(changes);
    for (const c of changes) if ('joined' in c) this.pendingJoins.get(c.joined.key)?.resolve(c.joined);
  }

  /** Registers every local peer and reloads the mirror from one snapshot. */
  private async sync(why: string): Promise<void> {
    this.held ??= [];
    const info = JSON.stringify(this.infoNow());
    const local = this.opts.localPeers();
    await this.cmd.sbRegister(PREFIX, this.name, info, String(this.opts.timeoutMs), JSON.stringify(local.map(toRecord)), String(REGISTRY_TTL_MS));
    const snapshot = parseSnapshot(await this.cmd.sbSnapshot(PREFIX));
    const held = this.held;
    this.held = undefined;
    const changes = this.mirror.load(snapshot);
    this.setHealth('ok', `${why}: ${local.length} local peer(s) registered, ${snapshot.nodes.length} node(s), ${this.mirror.size} peer(s) in the cluster`);
    this.announce(changes);
    this.applyEvents(held.filter((e) => !('s' in e) || e.s > snapshot.seq));
  }

  private lost(): void {
    if (this.health !== 'ok') return;
    this.held = [];
    this.setHealth('degraded', 'lost the connection to Redis: serving local peers only');
    for (const p of this.pendingJoins.values()) if (p.stored) p.resolve(p.stored);
  }

  private maybeResync(): void {
    if (this.health === 'degraded' && this.cmd.status === 'ready' && this.sub.status === 'ready') void this.resync('Redis is reachable again');
  }

  private async resync(why: string): Promise<void> {
    if (this.syncing) return;
    this.syncing = (async () => {
      try {
        await this.sync(why);
      } catch {
        // Redis went away again; its next 'ready' tries again.
      } finally {
        this.syncing = undefined;
      }
    })();
    return this.syncing;
  }

  private async heartbeat(): Promise<void> {
    if (this.health !== 'ok') return;
    const info = JSON.stringify(this.infoNow());
    try {
      const known = await this.cmd.sbHeartbeat(PREFIX, this.name, info, String(this.opts.timeoutMs), String(REGISTRY_TTL_MS));
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
    if (this.health === health || this.health === 'stopped') return;
    this.health = health;
    this.opts.onHealth(health, why);
  }
}

interface PendingJoin {
  resolve(peer: ClusterPeer): void;
  /** What Redis stored, once the script answered. */
  stored?: ClusterPeer;
}

/** The cluster cannot do this while Redis is away. */
export class ClusterUnavailable extends Error {
  override name = 'ClusterUnavailable';
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
