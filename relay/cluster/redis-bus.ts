import type { ClusterTarget } from '../config/load.js';
import type { ProtocolName } from '../config/schema.js';
import type { Bus, BusStatus, OutFrame, RoomWatcher, Sent, Target } from '../core/bus.js';
import type { Delivery } from '../core/delivery.js';
import type { Hub } from '../core/hub.js';
import { localRecipients } from '../core/local-bus.js';
import type { EventLog } from '../core/log.js';
import type { Peer, PeerView } from '../core/peer.js';
import { RoomWatchers } from '../core/watchers.js';
import { decodeEnvelope, encodeEnvelope, type Batch } from './envelope.js';
import { ClusterPeer, clusterKey, toRecord, type Change, type NodeInfo, type RegistryEvent } from './mirror.js';
import { ClusterNode, type Health, type PeerScript } from './node.js';

export interface RedisBusOptions {
  target: ClusterTarget;
  timeoutMs: number;
  log: EventLog;
  /** What this node tells the others in its heartbeat. */
  info(): Omit<NodeInfo, 'name' | 'at' | 'peers' | 'msgsPerSecond'>;
}

/**
 * The bus of a node in a cluster (`--cluster redis://...`). This node's peers are delivered to
 * at once, as by the in-process bus; the rest of a target is resolved against the mirror of the
 * cluster's registry and published once per destination node, its frame encoded once, with the
 * keys of its recipients there. The registry hears this node's presence through the scripts of
 * ClusterNode; room watchers hear every node's presence in the cluster's order, when Redis
 * gives it back (or at once, while Redis is away).
 */
export class RedisBus implements Bus {
  readonly node: ClusterNode;
  private readonly watchers = new RoomWatchers();
  /** Peers whose JOIN is waiting for the end of the tick, so the rooms they enter go with it. */
  private readonly unsent = new Set<Peer>();
  /** Names each local peer claimed, to register them again after a resync. */
  private readonly claimed = new WeakMap<Peer, Set<string>>();
  /** Room numbers this node gave out whose peer has not entered yet. */
  private readonly numbered = new Set<string>();
  /** This node's peers whose id is a room's number. */
  private readonly counted = new WeakSet<Peer>();
  private messagesLost = 0;
  /** Frames for other nodes routed in this turn of the event loop, sent together at its end. */
  private readonly outbox = new Map<string, Batch[]>();
  private flushing: NodeJS.Immediate | undefined;
  /** The last health change, said in words. */
  private detail = 'starting';

  constructor(
    private readonly hub: Hub,
    private readonly delivery: Delivery,
    private readonly opts: RedisBusOptions,
  ) {
    hub.onPresence(this);
    this.node = new ClusterNode({
      target: opts.target,
      timeoutMs: opts.timeoutMs,
      localPeers: () => [...hub.peers()].filter((p) => !this.unsent.has(p)).map((p) => this.view(p)),
      info: () => ({ ...opts.info(), peers: hub.size, msgsPerSecond: this.rate() }),
      onChanges: (changes) => this.changed(changes),
      onMessage: (message) => this.received(message),
      onHealth: (health, why) => this.healthChanged(health, why),
    });
  }

  get name(): string {
    return this.node.name;
  }

  get health(): Health {
    return this.node.health;
  }

  status(): BusStatus {
    const nodes = [...this.node.mirror.nodes].map(([name, info]) => ({
      name,
      peers: info?.peers ?? 0,
      urls: info?.urls ?? [],
      msgsPerSecond: info?.msgsPerSecond ?? 0,
      lastHeartbeat: info?.at ?? null,
    }));
    return { status: this.health === 'ok' ? 'ok' : 'degraded', node: this.name, detail: this.detail, nodes: nodes.sort((a, b) => a.name.localeCompare(b.name)) };
  }

  start(): Promise<void> {
    return this.node.start();
  }

  close(): Promise<void> {
    this.flush();
    return this.node.stop();
  }

  // ---- sending

  send(to: Target, frame: OutFrame): Sent {
    const recipients: PeerView[] = [];
    const frames: Buffer[] = [];
    const perRecipient = typeof frame === 'function';
    const bytesFor = (r: PeerView): Buffer => {
      if (!perRecipient) return frame;
      const made = frame(r);
      return typeof made === 'string' ? Buffer.from(made) : made;
    };
    for (const peer of localRecipients(this.hub, to)) {
      const bytes = bytesFor(peer);
      if (!this.delivery.deliver(peer, bytes)) continue;
      recipients.push(peer);
      if (perRecipient) frames.push(bytes);
    }
    for (const [node, peers] of this.remoteRecipients(to)) {
      if (this.node.health !== 'ok') {
        this.lost(peers.length);
        continue;
      }
      const own = perRecipient ? peers.map(bytesFor) : frame;
      this.post(node, { to: peers.map((p) => p.localKey), frames: own });
      recipients.push(...peers);
      if (perRecipient) frames.push(...(own as Buffer[]));
    }
    return { recipients, frame: perRecipient ? frames : frame };
  }

  /**
   * Queues a frame for a node. What a node routes in one turn of its event loop goes out in one
   * publish per destination: a publish costs the sender, Redis and the receiver far more than
   * the bytes it carries.
   */
  private post(node: string, batch: Batch): void {
    let queued = this.outbox.get(node);
    if (!queued) this.outbox.set(node, (queued = []));
    queued.push(batch);
    this.flushing ??= setImmediate(() => this.flush());
  }

  /** Publishes what is queued. Before any registry change too, so a frame never overtakes a join or leave routed after it. */
  private flush(): void {
    if (this.flushing) clearImmediate(this.flushing);
    this.flushing = undefined;
    for (const [node, batches] of this.outbox) {
      if (!this.node.publish(node, encodeEnvelope({ kind: 'frames', batches }))) this.lost(batches.reduce((n, b) => n + b.to.length, 0));
    }
    this.outbox.clear();
  }

  /** The members of a target held by other nodes, grouped by node. */
  private remoteRecipients(to: Target): Map<string, ClusterPeer[]> {
    const byNode = new Map<string, ClusterPeer[]>();
    const add = (p: ClusterPeer | undefined): void => {
      if (!p || p.node === this.name) return;
      let list = byNode.get(p.node);
      if (!list) byNode.set(p.node, (list = []));
      list.push(p);
    };
    const mirror = this.node.mirror;
    if ('peer' in to) return byNode;
    if ('key' in to) {
      const p = mirror.peer(to.key);
      if (p?.protocol === to.protocol) add(p);
    } else if ('peers' in to) for (const p of to.peers) add(p instanceof ClusterPeer ? p : undefined);
    else if ('id' in to) {
      if (!this.hub.member(to.protocol, to.room, to.id)) add(mirror.member(to.protocol, to.room, to.id));
    } else {
      const pool = 'everyone' in to ? [...mirror.all()].filter((p) => p.protocol === to.protocol) : mirror.members(to.protocol, to.room);
      const { filter, except } = to;
      for (const p of pool) if (p.node !== this.name && p.key !== except?.key && (!filter || filter(p))) add(p);
    }
    return byNode;
  }

  /** A message from another node on this node's channel. */
  private received(message: Buffer): void {
    let env;
    try {
      env = decodeEnvelope(message);
    } catch (err) {
      this.opts.log.add('warn', 'cluster', `cluster: dropped a malformed message on ${this.name}'s channel: ${(err as Error).message}`);
      return;
    }
    if (env.kind === 'close') {
      const peer = this.hub.peer(env.key);
      if (peer) this.hub.close(peer, env.code, env.reason);
      return;
    }
    for (const { to, frames } of env.batches)
      to.forEach((key, i) => {
        const peer = this.hub.peer(key);
        if (peer) this.delivery.deliver(peer, Buffer.isBuffer(frames) ? frames : frames[i]!);
      });
  }

  /** The peers other nodes hold, as this node's registry has them (the console's Peers). */
  *remotePeers(): IterableIterator<ClusterPeer> {
    for (const p of this.node.mirror.all()) if (p.node !== this.name) yield p;
  }

  /** A peer another node holds, by its cluster key. */
  remotePeer(key: string): ClusterPeer | undefined {
    const p = this.node.mirror.peer(key);
    return p && p.node !== this.name ? p : undefined;
  }

  peer(key: string): PeerView | undefined {
    return this.hub.peer(key) ?? this.remotePeer(key);
  }

  /** Closes a peer of another node (the console's kick). Returns false when no node holds it. */
  closeRemote(key: string, code: number, reason: string): boolean {
    const p = this.node.mirror.peer(key);
    if (!p || p.node === this.name) return false;
    this.flush();
    return this.node.publish(p.node, encodeEnvelope({ kind: 'close', key: p.localKey, code, reason }));
  }

  private lost(n: number): void {
    if (this.messagesLost === 0) this.opts.log.add('warn', 'cluster', `cluster: Redis is unreachable, frames for peers on other nodes are dropped`);
    this.messagesLost += n;
  }

  // ---- the registry

  /** The members the cluster's registry holds, in its order: a local peer counts once Redis gave its join back. */
  members(protocol: ProtocolName, room: string): PeerView[] {
    const out: PeerView[] = [];
    for (const p of this.node.mirror.members(protocol, room)) {
      if (p.node !== this.name) out.push(p);
      else {
        const mine = this.local(p);
        if (mine) out.push(mine);
      }
    }
    return out;
  }

  async number(protocol: ProtocolName, room: string): Promise<number> {
    const n = await this.node.number(protocol, room);
    this.numbered.add(numberKey(protocol, room, String(n)));
    return n;
  }

  claim(peer: Peer, name: string): void {
    let names = this.claimed.get(peer);
    if (!names) this.claimed.set(peer, (names = new Set()));
    names.add(name);
    this.update(peer, 'sbClaim', { e: 'claim', s: 0, k: this.keyOf(peer), name }, name);
  }

  release(peer: Peer, name: string): void {
    if (!this.claimed.get(peer)?.delete(name)) return;
    this.update(peer, 'sbRelease', { e: 'release', s: 0, k: this.keyOf(peer), name }, name);
  }

  named(protocol: ProtocolName, name: string): PeerView | undefined | Promise<PeerView | undefined> {
    const known = this.node.mirror.named(protocol, name);
    if (known) return this.local(known) ?? known;
    // A name claimed a moment ago on another node may not have reached this mirror yet: Redis
    // answers the lookup before the claimer's registry event, published in the same step, has
    // reached this node's subscriber.
    return this.node.named(protocol, name).then(async (key) => {
      const p = key === undefined ? undefined : await this.node.mirror.whenKnown(key, MIRROR_WAIT_MS);
      return p ? (this.local(p) ?? p) : undefined;
    });
  }

  watch(protocol: ProtocolName, watcher: RoomWatcher): () => void {
    return this.watchers.add(protocol, watcher);
  }

  // ---- this node's presence, told to Redis

  joined(peer: Peer): void {
    this.unsent.add(peer);
    queueMicrotask(() => this.sendJoin(peer));
  }

  entered(peer: Peer, room: string): void {
    const number = numberKey(peer.protocol, room, peer.id);
    if (this.numbered.delete(number)) this.counted.add(peer);
    this.update(peer, 'sbEnter', { e: 'enter', s: 0, k: this.keyOf(peer), room }, room);
  }

  exited(peer: Peer, room: string): void {
    // A peer that is leaving leaves all its rooms in its LEAVE.
    if (!peer.closing) this.update(peer, 'sbExit', { e: 'exit', s: 0, k: this.keyOf(peer), room }, room);
  }

  described(peer: Peer): void {
    const meta = JSON.stringify(peer.meta);
    this.update(peer, 'sbDescribe', { e: 'meta', s: 0, k: this.keyOf(peer), m: meta }, meta);
  }

  left(peer: Peer, code: number, reason: string): void {
    if (this.unsent.delete(peer)) return;
    this.update(peer, 'sbLeave', { e: 'leave', s: 0, k: this.keyOf(peer), c: code, w: reason }, String(code), reason);
  }

  private sendJoin(peer: Peer): void {
    if (!this.unsent.delete(peer)) return;
    const view = this.view(peer);
    this.flush();
    if (this.node.health !== 'ok') {
      this.node.applyLocally({ e: 'join', s: 0, peer: toRecord(view) });
      return;
    }
    this.node.join(view).catch((err: Error) => {
      // Redis went away under the JOIN: this node's peers hear of it now, the resync registers it.
      if (this.node.health !== 'ok') return this.node.applyLocally({ e: 'join', s: 0, peer: toRecord(this.view(peer)) });
      // Only a wire id another node already holds (a 128-bit random id colliding) gets here.
      this.hub.close(peer, 1011, `cluster: ${err.message.replace(/^TAKEN /, '')}`);
    });
  }

  /** Tells Redis of a change to a registered local peer, or (while degraded) the mirror at once. */
  private update(peer: Peer, script: PeerScript, event: RegistryEvent, ...args: string[]): void {
    if (this.unsent.has(peer)) return;
    this.flush();
    if (this.node.health === 'ok') this.node.change(script, peer.key, ...args);
    else this.node.applyLocally(event);
  }

  // ---- the cluster's presence, told to the dialects

  private changed(changes: Change[]): void {
    for (const c of changes) {
      if (c.kind !== 'entered' && c.kind !== 'exited') continue;
      const view = this.local(c.peer) ?? c.peer;
      if (c.kind === 'entered') this.watchers.entered(view, c.room, c.late ?? false);
      else this.watchers.exited(view, c.room);
    }
  }

  private healthChanged(health: Health, why: string): void {
    if (health === 'ok') this.messagesLost = 0;
    this.detail = why;
    this.opts.log.add(health === 'ok' ? 'info' : 'warn', 'cluster', `cluster: node ${this.name} ${health}: ${why}`);
  }

  /** Messages a second in and out of this node's peers since the last heartbeat. */
  private rate(): number {
    const now = Date.now();
    let total = 0;
    for (const c of Object.values(this.delivery.counters)) total += c.msgsIn + c.msgsOut;
    const per = this.lastRate.at ? ((total - this.lastRate.total) * 1000) / Math.max(1, now - this.lastRate.at) : 0;
    this.lastRate = { at: now, total };
    return Math.round(per);
  }

  private lastRate = { at: 0, total: 0 };

  // ---- keys

  private keyOf(peer: Peer): string {
    return clusterKey(this.name, peer.key);
  }

  /** This node's Peer behind a registry entry, when it still has it. */
  private local(p: ClusterPeer): Peer | undefined {
    if (p.node !== this.name) return undefined;
    return this.hub.peer(p.localKey);
  }

  private view(peer: Peer): ClusterPeer {
    return new ClusterPeer(this.keyOf(peer), this.name, peer.protocol, peer.id, new Map([...peer.rooms].map((r) => [r, 0])), new Set(this.claimed.get(peer)), this.counted.has(peer), peer.meta, peer.remote, peer.connectedAt);
  }
}

/** How long a lookup waits for this node's mirror to hear of a peer Redis already named. */
const MIRROR_WAIT_MS = 2000;

const numberKey = (protocol: string, room: string, id: string): string => `${protocol}\n${room}\n${id}`;
