/**
 * The console API: a typed request/response plus event contract between the relay's
 * ConsoleService and every UI shell (the browser over /console/api, Electron over IPC).
 * This file is imported by relay/, electron/ and renderer/ alike, so it holds types only.
 */
import type { CaptureFile, CaptureOverview } from '../capture/captures.js';
import type { Config, ProtocolName, SettingSources } from '../config/schema.js';
import type { Handshake } from '../core/peer.js';
import type { BusStatus } from '../core/bus.js';
import type { ProtocolCounters } from '../core/delivery.js';
import type { LogEntry, LogLevel } from '../core/log.js';
import type { TrafficKind, TrafficRecord } from '../core/tap.js';
import type { InjectTarget } from '../dialects/types.js';
import type { ListenerInfo } from '../http/server.js';
import type { ReplayReport } from '../replay/report.js';

export type { Config, ProtocolName, LogEntry, LogLevel, TrafficKind, TrafficRecord, InjectTarget, ListenerInfo, ProtocolCounters, BusStatus, CaptureFile, CaptureOverview, ReplayReport };

export interface PeerInfo {
  /** The hub's key: unique across protocols (and nodes, in a cluster); use it to kick or inject. */
  key: string;
  /** The cluster node that holds its socket; absent on a relay that is no cluster's node. */
  node?: string;
  /** The id the protocol's clients see. */
  id: string;
  protocol: ProtocolName;
  rooms: string[];
  meta: string | Record<string, unknown>;
  remote: string;
  connectedAt: number;
  /** Counters are known on the peer's own node only: another node's peers show zeros. */
  msgsIn: number;
  msgsOut: number;
  bytesIn: number;
  bytesOut: number;
  drops: number;
  /** What the client asked for when it opened its socket: path, query and the headers that matter. */
  handshake?: Handshake;
}

export interface RoomInfo {
  protocol: ProtocolName;
  room: string;
  members: number;
  /** Messages and bytes a second routed in the room over the last stats tick. */
  msgsPerSec: number;
  bytesPerSec: number;
}

/** How the relay orders a page of peers. */
export interface PeerSort {
  key: 'id' | 'node' | 'protocol' | 'room' | 'meta' | 'remote' | 'connectedAt' | 'msgsIn' | 'msgsOut' | 'drops';
  desc?: boolean;
}

export interface Rates {
  msgsInPerSec: number;
  msgsOutPerSec: number;
  bytesInPerSec: number;
  bytesOutPerSec: number;
  connectsPerSec: number;
  disconnectsPerSec: number;
}

export interface Stats {
  ts: number;
  peers: number;
  byProtocol: Record<ProtocolName, ProtocolCounters>;
  rates: Rates;
  /** What the traffic tap holds: records, and bytes of frames against its budget. */
  tap?: { records: number; bytes: number; budgetBytes: number };
  /** On a cluster's node: its health and every node it knows of, from their heartbeats. */
  cluster?: BusStatus;
}

export interface Snapshot {
  version: string;
  startedAt: number;
  protocols: ProtocolName[];
  listeners: ListenerInfo[];
  stats: Stats;
  /** The last minutes of stats ticks, oldest first, so charts start full. */
  history: Stats[];
  settings: Config;
  /** Keys set by the environment or flags: they win over stored settings at every start. */
  settingSources: SettingSources;
  /** A starting payload for the composer, per protocol. */
  templates: Partial<Record<ProtocolName, string>>;
  /** Whether the composer checks a protocol's payload as JSON or sends it as text. */
  payloadFormats: Partial<Record<ProtocolName, 'json' | 'text'>>;
  /** Set when the console shows a capture file instead of a relay. */
  offline?: { name: string; started: string; by: 'cli' | 'console'; records: number; ended: string | null };
}

export interface PeerFilter {
  protocol?: ProtocolName;
  room?: string;
  /** Matches id, remote address and metadata, case-insensitively. */
  text?: string;
}

export interface TrafficFilter {
  protocol?: ProtocolName;
  room?: string;
  /** A peer's wire id: the sender, the recipient or one of a fan-out's recipients. */
  peer?: string;
  /** Searched for in the whole frame and the close reason, case-insensitively. */
  text?: string;
  /** The text is a regular expression (JavaScript syntax, case-insensitive). */
  regex?: boolean;
  kinds?: TrafficKind[];
  /** Frame size in bytes, inclusive bounds. */
  minSize?: number;
  maxSize?: number;
}

/** One record's whole frame, as the tap kept it. */
export interface FrameDetail {
  record: TrafficRecord;
  /** Text frames come as text; binary ones as base64 of their bytes. */
  encoding: 'text' | 'base64';
  data: string;
  /** Every recipient of a fan-out the tap kept the id of. */
  recipientIds: string[];
}

/** Every request, by its op, with its parameters and the shape of its answer. */
export interface ConsoleOps {
  snapshot: { params: Record<string, never>; result: Snapshot };
  peers: { params: { filter?: PeerFilter; sort?: PeerSort; offset?: number; limit?: number }; result: { total: number; peers: PeerInfo[] } };
  peer: { params: { key: string }; result: PeerInfo | null };
  rooms: { params: { protocol?: ProtocolName }; result: RoomInfo[] };
  roomMembers: { params: { protocol: ProtocolName; room: string }; result: PeerInfo[] };
  kick: { params: { key: string; code?: number; reason?: string }; result: { kicked: boolean } };
  inject: { params: { protocol: ProtocolName; target: InjectTarget; payload: string }; result: { recipients: number } };
  /** Replaces this session's subscription; `backlog` asks for up to that many recent records first. */
  subscribeTraffic: { params: { filter?: TrafficFilter; backlog?: number }; result: { from: number } };
  unsubscribeTraffic: { params: Record<string, never>; result: Record<string, never> };
  exportTraffic: { params: { filter?: TrafficFilter; limit?: number }; result: { records: TrafficRecord[] } };
  /** A record's whole frame, or null once the tap let it go. */
  frame: { params: { seq: number }; result: FrameDetail | null };
  log: { params: { limit?: number }; result: LogEntry[] };
  getSettings: { params: Record<string, never>; result: Config };
  /**
   * Validated like a config file. Host, port and listeners apply at once (`restarted`: the
   * listeners moved, open sockets stay); `pending` names keys that apply at the next start.
   */
  updateSettings: { params: { patch: Partial<Config> }; result: { settings: Config; restarted: boolean; pending: string[] } };
  /** The capture recording now and this run's captures (docs/capture.md). */
  captures: { params: Record<string, never>; result: CaptureOverview };
  /** Starts recording to a new file in captureDir; bounds lower than the configured ones may be asked for. */
  startCapture: { params: { maxBytes?: number; maxSeconds?: number }; result: CaptureFile };
  /** Stops the capture recording now; null when none was. */
  stopCapture: { params: Record<string, never>; result: CaptureFile | null };
  /** Replays a listed capture into this relay; the report comes as a `replay` event. */
  replayCapture: { params: { name: string; speed?: number; room?: string }; result: { started: true } };
}

export type ConsoleOp = keyof ConsoleOps;
export type Params<K extends ConsoleOp> = ConsoleOps[K]['params'];
export type Result<K extends ConsoleOp> = ConsoleOps[K]['result'];

export type ConsoleEvent =
  | { type: 'peerJoined'; peer: PeerInfo }
  | { type: 'peerLeft'; key: string; protocol: ProtocolName; id: string; code: number; reason: string }
  /** 1 Hz. */
  | { type: 'stats'; stats: Stats }
  /**
   * At most 20 a second; `skipped` counts records the subscriber fell too far behind to get.
   * `error` ends the subscription: its search could not run (a regular expression too slow).
   */
  | { type: 'traffic'; records: TrafficRecord[]; skipped: number; error?: string }
  | { type: 'log'; entry: LogEntry }
  /** The settings changed (from any UI): listeners may have moved. */
  | { type: 'settings'; settings: Config; listeners: ListenerInfo[] }
  /** A capture started or ended. */
  | { type: 'capture'; capture: CaptureFile }
  /** A replay started from a console finished: its report, or why it could not run. */
  | { type: 'replay'; name: string; report?: ReplayReport; error?: string };

/** Frames of the WebSocket transport at /console/api. */
export type ConsoleRequestFrame = { id: number; op: ConsoleOp; params: unknown };
export type ConsoleServerFrame = { id: number; result: unknown } | { id: number; error: string } | { event: ConsoleEvent };

/**
 * What a UI talks to, whatever carries it. Electron's preload bridge exposes exactly this
 * shape as `window.switchboard`. A session is one UI's view: its own traffic
 * subscription and filter.
 */
export interface ConsoleClient {
  request<K extends ConsoleOp>(op: K, params: Params<K>): Promise<Result<K>>;
  /** Events for this session; returns the unsubscribe function. */
  onEvent(listener: (event: ConsoleEvent) => void): () => void;
  /**
   * For carriers that can drop: 'open' means a fresh session (subscriptions must be made
   * again). A carrier without it is always open.
   */
  onStatus?(listener: (status: ClientStatus) => void): () => void;
  /** For carriers that hold a connection: let it go, the console has moved to another source. */
  close?(): void;
}

export type ClientStatus = 'connecting' | 'open' | 'closed' | 'unauthorized';
