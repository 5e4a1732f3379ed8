import { useEffect, useMemo, useRef, useState } from 'react';
import type { RoomInfo, TrafficRecord } from '../../relay/console/types.js';
import { client, controller, useConsole } from '../app.js';
import { Empty } from '../components/Empty.js';
import { clock, count } from '../format.js';
import { RecordDetail } from '../frame/RecordDetail.js';
import { TRAFFIC_CAP } from '../store.js';
import { layoutFlow, MAX_ARROWS, RELAY_LANE, type Arrow, type Flow as FlowLayout, type Mark } from '../flow/layout.js';

/** Time windows the diagram can show, in ms: the zoom. */
const WINDOWS = [1000, 5000, 15_000, 60_000, 300_000];
/** The diagram is laid out again this often, not at every batch: drawing costs, reading does not. */
const REDRAW_MS = 250;
const LANE_HEAD = 40;
const MARGIN = 16;
/** Each arrow or mark has a row of its own. */
const ROW_H = 26;
/** The time column at the left. */
const TIME_COL = 92;

function windowLabel(ms: number): string {
  return ms < 60_000 ? `${ms / 1000} s` : `${ms / 60_000} min`;
}

/** Redraws on a clock while live; frozen while paused. */
function useNow(paused: boolean): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (paused) return;
    const t = setInterval(() => setNow(Date.now()), REDRAW_MS);
    return () => clearInterval(t);
  }, [paused]);
  return now;
}

export function Flow() {
  const traffic = useConsole((s) => s.traffic);
  const scope = useConsole((s) => s.flowScope);
  const setScope = useConsole((s) => s.setFlowScope);
  const paused = useConsole((s) => s.paused);
  const setPaused = useConsole((s) => s.setPaused);
  const applied = useConsole((s) => s.trafficFilter);
  const tick = useConsole((s) => s.stats?.ts);
  const [rooms, setRooms] = useState<RoomInfo[]>([]);
  const [windowMs, setWindowMs] = useState(WINDOWS[2]!);
  const [selected, setSelected] = useState<TrafficRecord | null>(null);
  const [peerText, setPeerText] = useState(scope && 'peers' in scope ? scope.peers.join(', ') : '');
  const offline = useConsole((s) => !!s.snapshot?.offline);
  const now = useNow(paused || offline);
  // The newest record is the clock while paused, so the diagram stays where it stopped, and in a
  // capture opened offline, whose session may have ended long before now.
  const end = paused || offline ? (traffic[0]?.ts ?? now) : now;

  useEffect(() => {
    client.request('rooms', {}).then(setRooms, () => undefined);
  }, [tick]);
  // A room's flow reads its protocol's traffic, since opens and closes belong to no room yet;
  // a set of peers reads all. The layout picks what it draws.
  useEffect(() => {
    if (!scope) return;
    const want = 'room' in scope ? { protocol: scope.protocol } : {};
    if (JSON.stringify(want) !== JSON.stringify(applied)) void controller.subscribeTraffic(want);
  }, [scope, applied]);

  const flow = useMemo(() => (scope ? layoutFlow(traffic, scope, end, windowMs) : null), [traffic, scope, end, windowMs]);
  // At high rates the kept records may cover less time than the window: say so rather than undercount.
  const oldest = traffic.at(-1)?.ts;
  const held = traffic.length >= TRAFFIC_CAP && oldest !== undefined && end - oldest < windowMs ? end - oldest : undefined;
  const zoom = (dir: 1 | -1): void => {
    const i = WINDOWS.indexOf(windowMs) + dir;
    if (i >= 0 && i < WINDOWS.length) setWindowMs(WINDOWS[i]!);
  };

  return (
    <div className="view with-side">
      <div className="main-col">
        <div className="toolbar">
          <select
            aria-label="Room to draw"
            value={scope && 'room' in scope ? `${scope.protocol}\u0000${scope.room}` : ''}
            onChange={(e) => {
              const [protocol, room] = e.target.value.split('\u0000') as [RoomInfo['protocol'], string];
              if (room !== undefined) setScope({ protocol, room });
            }}
          >
            <option value="">Choose a room…</option>
            {rooms.map((r) => (
              <option key={`${r.protocol} ${r.room}`} value={`${r.protocol}\u0000${r.room}`}>
                {r.protocol} · {r.room} ({r.members})
              </option>
            ))}
          </select>
          <span className="muted small">or peers</span>
          <input
            aria-label="Peers to draw"
            placeholder="peer ids, comma-separated"
            value={peerText}
            onChange={(e) => setPeerText(e.target.value)}
            onKeyDown={(e) => {
              const peers = peerText.split(/[\s,]+/).filter(Boolean);
              if (e.key === 'Enter' && peers.length > 0) setScope({ peers });
            }}
          />
          <span className="spacer" />
          <div className="seg" role="group" aria-label="Zoom">
            <button className="btn small" onClick={() => zoom(-1)} disabled={windowMs === WINDOWS[0]} aria-label="Zoom in">
              +
            </button>
            <span className="small window-label">{windowLabel(windowMs)}</span>
            <button className="btn small" onClick={() => zoom(1)} disabled={windowMs === WINDOWS.at(-1)} aria-label="Zoom out">
              −
            </button>
          </div>
          <button className={`btn${paused ? ' primary' : ''}`} onClick={() => setPaused(!paused)} title="Pause or resume (Space)">
            {paused ? 'Resume' : 'Pause'}
          </button>
        </div>
        {!flow ? (
          <Empty title="Choose what to draw">Pick a room, or type peer ids and press Enter: each peer gets a lane, the relay one more, and every message is an arrow.</Empty>
        ) : (
          <>
            <p className="muted small flow-note" role="status">
              {count(flow.messages)} messages in the last {windowLabel(windowMs)}
              {held !== undefined && (
                <span className="warn">
                  {' '}
                  · the console keeps the newest {count(TRAFFIC_CAP)} records, which reach back only {(held / 1000).toFixed(1)} s: older messages of this window are not drawn
                </span>
              )}
              {flow.aggregated && (
                <span className="warn">
                  {' '}
                  · too many to draw one by one: each arrow sums the messages between two lanes in a slice of time ({flow.arrows.length} arrows, at most {MAX_ARROWS})
                </span>
              )}
            </p>
            <Diagram flow={flow} onOpen={(seq) => setSelected(traffic.find((r) => r.seq === seq) ?? null)} onZoom={zoom} selected={selected?.seq} live={!paused} />
          </>
        )}
      </div>
      {selected && <RecordDetail record={selected} onClose={() => setSelected(null)} />}
    </div>
  );
}

/** One row per arrow or mark, oldest at the top, as a sequence diagram reads; the time is at the left. */
function Diagram({ flow, onOpen, onZoom, selected, live }: { flow: FlowLayout; onOpen(seq: number): void; onZoom(dir: 1 | -1): void; selected?: number; live: boolean }) {
  const ref = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(900);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setWidth(el.clientWidth));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  const rows = useMemo(
    (): { ts: number; arrow?: Arrow; mark?: Mark }[] => [...flow.arrows.map((a) => ({ ts: a.ts, arrow: a })), ...flow.marks.map((m) => ({ ts: m.ts, mark: m }))].sort((p, q) => p.ts - q.ts),
    [flow],
  );
  const height = LANE_HEAD + rows.length * ROW_H + MARGIN;
  // While live, the newest row stays in sight.
  useEffect(() => {
    const el = ref.current;
    if (el && live) el.scrollTop = el.scrollHeight;
  }, [rows, live]);
  const step = (width - TIME_COL - 2 * MARGIN) / Math.max(1, flow.lanes.length);
  const x = new Map(flow.lanes.map((l, i) => [l, TIME_COL + MARGIN + step * (i + 0.5)]));
  return (
    <div
      className="flow card"
      ref={ref}
      onWheel={(e) => {
        if (e.ctrlKey || e.altKey) {
          e.preventDefault();
          onZoom(e.deltaY > 0 ? 1 : -1);
        }
      }}
    >
      <svg width={width} height={height} role="img" aria-label="Message flow">
        <defs>
          <marker id="flow-head" viewBox="0 0 10 10" refX="9" refY="5" markerUnits="userSpaceOnUse" markerWidth="9" markerHeight="9" orient="auto-start-reverse">
            <path d="M0 0L10 5L0 10z" className="flow-head" />
          </marker>
        </defs>
        {flow.lanes.map((l) => (
          <g key={l} className={`lane${l === RELAY_LANE ? ' lane-relay' : ''}`} data-lane={l}>
            <line x1={x.get(l)} x2={x.get(l)} y1={LANE_HEAD - 10} y2={height - MARGIN} />
            <text x={x.get(l)} y={22} textAnchor="middle">
              {l.length > 14 ? `${l.slice(0, 12)}…` : l}
            </text>
            <title>{l}</title>
          </g>
        ))}
        {rows.map((r, i) => {
          const y = LANE_HEAD + i * ROW_H + ROW_H / 2;
          return (
            <g key={r.arrow ? `a${r.arrow.seq} ${r.ts}` : `m${r.mark!.seq}`}>
              <text className="flow-time" x={MARGIN} y={y + 4}>
                {clock(r.ts)}
              </text>
              {r.arrow ? (
                <ArrowMark a={r.arrow} x={x} y={y} onOpen={onOpen} selected={r.arrow.seq === selected} />
              ) : (
                <g className={`mark mark-${r.mark!.kind}`} data-seq={r.mark!.seq}>
                  <circle cx={x.get(r.mark!.lane)} cy={y} r={5} />
                  <text x={(x.get(r.mark!.lane) ?? 0) + 9} y={y + 4}>
                    {r.mark!.label}
                  </text>
                </g>
              )}
            </g>
          );
        })}
      </svg>
    </div>
  );
}

function ArrowMark({ a, x, y, onOpen, selected }: { a: Arrow; x: Map<string, number>; y: number; onOpen(seq: number): void; selected: boolean }) {
  const from = x.get(a.from)!;
  const tos = a.to.map((t) => x.get(t)!);
  const far = tos.reduce((f, t) => (Math.abs(t - from) > Math.abs(f - from) ? t : f), tos[0]!);
  const label = a.count > 1 ? `${a.count}×` : a.label;
  return (
    <g
      className={`arrow kind-${a.kind}${a.to.length > 1 ? ' fanout' : ''}${a.count > 1 ? ' aggregate' : ''}${selected ? ' selected' : ''}`}
      data-seq={a.seq}
      data-from={a.from}
      data-to={a.to.join(' ')}
      onClick={() => onOpen(a.seq)}
    >
      <title>{`${a.from} → ${a.to.join(', ')}: ${a.label}`}</title>
      <line className="hit" x1={from} x2={far} y1={y} y2={y} />
      <line x1={from} x2={far} y1={y} y2={y} markerEnd="url(#flow-head)" strokeWidth={a.count > 1 ? Math.min(6, 1.5 + Math.log2(a.count)) : 1.5} />
      {tos
        .filter((t) => t !== far)
        .map((t) => (
          <circle key={t} className="fan-dot" cx={t} cy={y} r={3} />
        ))}
      <text x={(from + far) / 2} y={y - 5} textAnchor="middle">
        {label.length > 40 ? `${label.slice(0, 38)}…` : label}
      </text>
    </g>
  );
}
