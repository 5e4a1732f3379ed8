import { createStore, type StoreApi } from 'zustand/vanilla';
import type {
  CaptureFile,
  ClientStatus,
  ConsoleClient,
  ConsoleEvent,
  InjectTarget,
  LogEntry,
  ProtocolName,
  Snapshot,
  Stats,
  TrafficFilter,
  TrafficRecord,
} from '../relay/console/types.js';

/** Records the Traffic view keeps; older ones fall off so a busy relay cannot grow the page. */
export const TRAFFIC_CAP = 5000;
export const LOG_CAP = 1000;
/** Seconds of stats the charts show. */
export const HISTORY_CAP = 300;
export const SENT_CAP = 50;
/** Events are applied to the store in batches, at most 20 a second. */
export const FLUSH_MS = 50;
/** Recent records a new traffic subscription starts with. */
export const TRAFFIC_BACKLOG = 500;

export const VIEWS = ['overview', 'peers', 'rooms', 'traffic', 'composer', 'log', 'captures', 'settings'] as const;
export type View = (typeof VIEWS)[number];

export interface Sent {
  ts: number;
  protocol: ProtocolName;
  target: InjectTarget;
  payload: string;
  recipients?: number;
  error?: string;
}

export interface Draft {
  protocol: ProtocolName | '';
  target: InjectTarget;
  payload: string;
}

export interface ConsoleState {
  status: ClientStatus;
  view: View;
  snapshot: Snapshot | null;
  stats: Stats | null;
  history: Stats[];
  /** Newest first. */
  traffic: TrafficRecord[];
  /** Records the relay could not send this console because it fell behind. */
  skipped: number;
  paused: boolean;
  /** Records that arrived while paused and were not kept. */
  missed: number;
  trafficFilter: TrafficFilter;
  /** Newest first. */
  log: LogEntry[];
  /** Bumps whenever peers join or leave, so paged views refetch. */
  presence: number;
  sent: Sent[];
  draft: Draft;
  /** Where the Peers and Rooms views were asked to look (from links elsewhere). */
  focus: { peerText?: string; room?: { protocol: ProtocolName; room: string } };
  /** Settings keys this console changed that apply at the relay's next start. */
  pending: string[];
  /** The last capture that started or ended (the Captures view refetches its list on each). */
  capture: CaptureFile | null;
  /** Replays this console started, newest first, with their report once it came. */
  replays: Extract<ConsoleEvent, { type: 'replay' }>[];

  setView(view: View): void;
  setStatus(status: ClientStatus): void;
  setSnapshot(snapshot: Snapshot): void;
  setLog(entries: LogEntry[]): void;
  setPaused(paused: boolean): void;
  resetTraffic(filter: TrafficFilter): void;
  ingest(events: readonly ConsoleEvent[]): void;
  addSent(sent: Sent): void;
  setDraft(draft: Partial<Draft>): void;
  setFocus(focus: ConsoleState['focus']): void;
  addPending(keys: readonly string[]): void;
  /** Forgets what came from the previous source (the console opened a capture instead). */
  clearSource(): void;
}

export type ConsoleStore = StoreApi<ConsoleState>;

function capFront<T>(fresh: T[], old: T[], cap: number): T[] {
  const out = fresh.length >= cap ? fresh.slice(0, cap) : fresh.concat(old.slice(0, cap - fresh.length));
  return out;
}

export function createConsoleStore(view: View = 'overview'): ConsoleStore {
  return createStore<ConsoleState>((set) => ({
    status: 'connecting',
    view,
    snapshot: null,
    stats: null,
    history: [],
    traffic: [],
    skipped: 0,
    paused: false,
    missed: 0,
    trafficFilter: {},
    log: [],
    presence: 0,
    sent: [],
    draft: { protocol: '', target: { kind: 'everyone' }, payload: '' },
    focus: {},
    pending: [],
    capture: null,
    replays: [],

    setView: (view) => set({ view }),
    setStatus: (status) => set({ status }),
    setSnapshot: (snapshot) =>
      set((s) => ({
        snapshot,
        stats: snapshot.stats,
        history: snapshot.history.slice(-HISTORY_CAP),
        draft: s.draft.protocol ? s.draft : { ...s.draft, protocol: snapshot.protocols[0] ?? '', payload: snapshot.templates[snapshot.protocols[0]!] ?? '' },
      })),
    setLog: (entries) => set({ log: entries.slice(-LOG_CAP).reverse() }),
    setPaused: (paused) => set(paused ? { paused } : { paused, missed: 0 }),
    resetTraffic: (trafficFilter) => set({ trafficFilter, traffic: [], skipped: 0, missed: 0 }),
    addSent: (sent) => set((s) => ({ sent: [sent, ...s.sent].slice(0, SENT_CAP) })),
    setDraft: (draft) => set((s) => ({ draft: { ...s.draft, ...draft } })),
    setFocus: (focus) => set({ focus }),
    addPending: (keys) => set((s) => ({ pending: [...new Set([...s.pending, ...keys])] })),
    clearSource: () =>
      set((s) => ({ snapshot: null, stats: null, history: [], traffic: [], skipped: 0, missed: 0, log: [], presence: s.presence + 1, capture: null, replays: [], paused: false })),

    ingest: (events) =>
      set((s) => {
        const records: TrafficRecord[] = [];
        const entries: LogEntry[] = [];
        let { stats, history, snapshot, skipped, missed, presence, capture, replays } = s;
        for (const e of events) {
          switch (e.type) {
            case 'traffic':
              skipped += e.skipped;
              for (const r of e.records) records.push(r);
              break;
            case 'stats':
              stats = e.stats;
              history = [...history.slice(history.length >= HISTORY_CAP ? 1 : 0), e.stats];
              break;
            case 'log':
              entries.push(e.entry);
              break;
            case 'peerJoined':
            case 'peerLeft':
              presence++;
              break;
            case 'settings':
              if (snapshot) snapshot = { ...snapshot, settings: e.settings, listeners: e.listeners };
              break;
            case 'capture':
              capture = e.capture;
              break;
            case 'replay':
              replays = [e, ...replays].slice(0, SENT_CAP);
              break;
          }
        }
        let traffic = s.traffic;
        if (s.paused) missed += records.length;
        else if (records.length > 0) traffic = capFront(records.reverse(), traffic, TRAFFIC_CAP);
        const log = entries.length > 0 ? capFront(entries.reverse(), s.log, LOG_CAP) : s.log;
        return { stats, history, snapshot, skipped, missed, presence, traffic, log, capture, replays };
      }),
  }));
}

/**
 * Wires a client to a store: events are queued and applied every FLUSH_MS, and each fresh
 * session gets the snapshot, the log and the traffic subscription again.
 */
export function connectStore(store: ConsoleStore, client: ConsoleClient): { subscribeTraffic(filter: TrafficFilter): Promise<void>; dispose(): void } {
  let queue: ConsoleEvent[] = [];
  const offEvent = client.onEvent((e) => queue.push(e));
  const timer = setInterval(() => {
    if (queue.length === 0) return;
    const batch = queue;
    queue = [];
    store.getState().ingest(batch);
  }, FLUSH_MS);

  const subscribeTraffic = async (filter: TrafficFilter): Promise<void> => {
    await client.request('subscribeTraffic', { filter, backlog: TRAFFIC_BACKLOG });
    // Whatever was queued was picked under the old filter.
    queue = queue.filter((e) => e.type !== 'traffic');
    store.getState().resetTraffic(filter);
  };

  const start = async (): Promise<void> => {
    const [snapshot, log] = await Promise.all([client.request('snapshot', {}), client.request('log', { limit: LOG_CAP })]);
    store.getState().setSnapshot(snapshot);
    store.getState().setLog(log);
    await subscribeTraffic(store.getState().trafficFilter);
  };
  const onStatus = (status: ClientStatus): void => {
    store.getState().setStatus(status);
    if (status === 'open') start().catch(() => undefined);
  };
  const offStatus = client.onStatus ? client.onStatus(onStatus) : (onStatus('open'), () => undefined);

  return {
    subscribeTraffic,
    dispose() {
      clearInterval(timer);
      offEvent();
      offStatus();
    },
  };
}

/** What the Traffic view shows, oldest first, one JSON object a line. */
export function toJsonLines(records: readonly TrafficRecord[]): string {
  return records
    .slice()
    .reverse()
    .map((r) => JSON.stringify(r))
    .join('\n') + (records.length > 0 ? '\n' : '');
}
