import type { TrafficRecord } from '../../relay/console/types.js';

/** The relay's own lane: frames it made, and where joins and closes are marked. */
export const RELAY_LANE = 'relay';
/** Arrows drawn at most; past it, messages in the same time slot between the same lanes are one arrow with a count. */
export const MAX_ARROWS = 400;
/** Lanes drawn at most: the most active peers get them. */
export const MAX_LANES = 24;

export interface Arrow {
  /** The record opened by a click; for an aggregate, the newest of its messages. */
  seq: number;
  ts: number;
  from: string;
  /** One lane for a unicast, several for a fan-out. */
  to: string[];
  kind: TrafficRecord['kind'];
  /** Messages this arrow stands for (1 unless aggregated). */
  count: number;
  label: string;
}

export interface Mark {
  seq: number;
  ts: number;
  lane: string;
  kind: 'open' | 'close';
  label: string;
}

export interface Flow {
  lanes: string[];
  arrows: Arrow[];
  marks: Mark[];
  /** Messages in the window, drawn or aggregated. */
  messages: number;
  /** The window was too busy to draw an arrow per message. */
  aggregated: boolean;
  start: number;
  end: number;
}

/** What the flow shows: a room, or a set of peers (wire ids). */
export type FlowScope = { protocol: TrafficRecord['protocol']; room: string } | { peers: string[] };

/** Who a record went to, as lanes. */
function targets(r: TrafficRecord): string[] {
  if (r.to) return [r.to];
  if (r.recipientIds && r.recipientIds.length > 0) return r.recipientIds;
  return [RELAY_LANE];
}

function inScope(r: TrafficRecord, scope: FlowScope): boolean {
  if ('room' in scope) return r.protocol === scope.protocol && (r.room === scope.room || ((r.kind === 'open' || r.kind === 'close') && r.room === null));
  const ids = scope.peers;
  return ids.includes(r.from) || (r.to !== null && ids.includes(r.to)) || (r.recipientIds?.some((id) => ids.includes(id)) ?? false);
}

/**
 * Lays out a sequence diagram of the records (newest first, as the store keeps them) that fall
 * in [end - windowMs, end]: lanes for the relay and the busiest peers, an arrow per message, or
 * per time slot and lane pair once the window holds more than MAX_ARROWS.
 */
export function layoutFlow(records: readonly TrafficRecord[], scope: FlowScope, end: number, windowMs: number): Flow {
  const start = end - windowMs;
  const picked: TrafficRecord[] = [];
  const activity = new Map<string, number>();
  const bump = (id: string): void => void activity.set(id, (activity.get(id) ?? 0) + 1);
  // A room's opens and closes carry no room: keep those of the peers seen in the room.
  for (const r of records) {
    if (r.ts > end) continue;
    if (r.ts < start) break;
    if (!inScope(r, scope)) continue;
    picked.push(r);
    if (r.kind !== 'open' && r.kind !== 'close') {
      if (r.from !== RELAY_LANE && r.from !== 'operator') bump(r.from);
      for (const t of targets(r)) if (t !== RELAY_LANE) bump(t);
    }
  }
  const chosen = 'peers' in scope ? scope.peers.slice(0, MAX_LANES) : [...activity].sort((a, b) => b[1] - a[1]).slice(0, MAX_LANES).map(([id]) => id);
  const lanes = [RELAY_LANE, ...chosen.sort()];
  const laneSet = new Set(lanes);
  const lane = (id: string): string => (laneSet.has(id) ? id : id === 'operator' ? RELAY_LANE : '');
  const messages = picked.filter((r) => r.kind !== 'open' && r.kind !== 'close');
  const marks: Mark[] = [];
  for (const r of picked) {
    if (r.kind !== 'open' && r.kind !== 'close') continue;
    const who = r.kind === 'open' ? r.from : r.from === RELAY_LANE ? (r.to ?? '') : r.from;
    if (laneSet.has(who)) marks.push({ seq: r.seq, ts: r.ts, lane: who, kind: r.kind, label: r.kind === 'open' ? 'joined' : `closed ${r.code ?? ''} ${r.reason ?? ''}`.trim() });
  }
  const arrow = (r: TrafficRecord): Arrow | undefined => {
    const from = lane(r.from);
    const to = [...new Set(targets(r).map(lane).filter((t) => t && t !== from))];
    if (!from || to.length === 0) return undefined;
    return { seq: r.seq, ts: r.ts, from, to, kind: r.kind, count: 1, label: r.preview.slice(0, 60) };
  };
  if (messages.length <= MAX_ARROWS) {
    const arrows = messages.map(arrow).filter((a): a is Arrow => !!a);
    return { lanes, arrows, marks, messages: messages.length, aggregated: false, start, end };
  }
  // One arrow per slot and lane pair: the slot is long enough that about MAX_ARROWS / 4 slots fill the window.
  const slot = Math.max(1, Math.ceil(windowMs / (MAX_ARROWS / 4)));
  const groups = new Map<string, Arrow>();
  for (const r of messages) {
    const a = arrow(r);
    if (!a) continue;
    const at = Math.floor(r.ts / slot) * slot;
    const key = `${at} ${a.from} ${a.to.join(',')}`;
    const g = groups.get(key);
    if (g) g.count++;
    else groups.set(key, { ...a, ts: at + slot / 2 });
  }
  const arrows = [...groups.values()];
  for (const a of arrows) if (a.count > 1) a.label = `${a.count} messages`;
  return { lanes, arrows: arrows.slice(0, MAX_ARROWS), marks, messages: messages.length, aggregated: true, start, end };
}
