import { useEffect, useMemo, useState } from 'react';
import type { ProtocolName, TrafficFilter, TrafficKind, TrafficRecord } from '../../relay/console/types.js';
import { controller, useConsole } from '../app.js';
import { Empty } from '../components/Empty.js';
import { PeerPick, RoomPick } from '../components/Pick.js';
import { compareBy, Table, type SortOrder } from '../components/Table.js';
import { bytes, clock, count } from '../format.js';
import { RecordDetail } from '../frame/RecordDetail.js';
import { TRAFFIC_CAP, toJsonLines } from '../store.js';

const ROW = 28;
const KINDS: TrafficKind[] = ['message', 'relay', 'operator', 'drop', 'open', 'close'];
/** Typing in a filter box resubscribes once the typing stops. */
const TYPING_MS = 300;

const SORT_KEYS: Record<string, (r: TrafficRecord) => string | number | null> = {
  seq: (r) => r.seq,
  kind: (r) => r.kind,
  protocol: (r) => r.protocol,
  room: (r) => r.room,
  from: (r) => r.from,
  to: (r) => r.to ?? `~${r.recipients}`,
  size: (r) => r.size,
};

/** A size box's bytes, or undefined when it is empty or not a number. */
function sizeOf(text: string): number | undefined {
  const n = Number(text);
  return text.trim() === '' || !Number.isFinite(n) || n < 0 ? undefined : Math.floor(n);
}

export function Traffic() {
  const snapshot = useConsole((s) => s.snapshot);
  const traffic = useConsole((s) => s.traffic);
  const skipped = useConsole((s) => s.skipped);
  const paused = useConsole((s) => s.paused);
  const missed = useConsole((s) => s.missed);
  const applied = useConsole((s) => s.trafficFilter);
  const setPaused = useConsole((s) => s.setPaused);
  const [filter, setFilter] = useState<TrafficFilter>(applied);
  const [selected, setSelected] = useState<TrafficRecord | null>(null);
  const [sort, setSort] = useState<SortOrder | null>(null);
  const trafficError = useConsole((s) => s.trafficError);
  const node = useConsole((s) => s.stats?.cluster?.node);
  const rows = useMemo(() => (sort ? [...traffic].sort(compareBy(SORT_KEYS[sort.key]!, sort.desc)) : traffic), [traffic, sort]);

  useEffect(() => setFilter(applied), [applied]);
  useEffect(() => {
    if (JSON.stringify(filter) === JSON.stringify(applied)) return;
    const t = setTimeout(() => void controller.subscribeTraffic(filter), TYPING_MS);
    return () => clearTimeout(t);
  }, [filter, applied]);

  const edit = (patch: Partial<TrafficFilter>): void => {
    const next: TrafficFilter = { ...filter, ...patch };
    for (const k of Object.keys(next) as (keyof TrafficFilter)[]) if (next[k] === '' || (Array.isArray(next[k]) && next[k].length === 0)) delete next[k];
    setFilter(next);
  };
  const toggleKind = (k: TrafficKind): void => {
    const kinds = filter.kinds ?? [];
    edit({ kinds: kinds.includes(k) ? kinds.filter((x) => x !== k) : [...kinds, k] });
  };
  const exportShown = (): void => {
    const blob = new Blob([toJsonLines(traffic)], { type: 'application/x-ndjson' });
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = `switchboard-traffic-${new Date().toISOString().replace(/[:.]/g, '-')}.jsonl`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  };
  const filtered = Object.keys(applied).length > 0;

  const row = (i: number) => {
    const r = rows[i]!;
    return (
      <div className={`trow traffic-cols kind-${r.kind}${selected?.seq === r.seq ? ' selected' : ''}`} onClick={() => setSelected(r)}>
        <span className="mono muted">{clock(r.ts)}</span>
        <span>
          <span className={`badge kind-${r.kind}`}>{r.kind}</span>
        </span>
        <span className="ellipsis">{r.protocol}</span>
        <span className="ellipsis">
          <RoomPick protocol={r.protocol} room={r.room} />
        </span>
        <span className="mono ellipsis" title={r.from}>
          <PeerPick id={r.from} />
        </span>
        <span className="mono ellipsis" title={r.to ?? r.recipientIds?.join(', ') ?? ''}>
          {r.to ? <PeerPick id={r.to} /> : r.kind === 'message' || r.kind === 'operator' || r.kind === 'relay' ? `${r.recipients} recipients` : ''}
        </span>
        <span className="num">{bytes(r.size)}</span>
        <span className="mono ellipsis preview">{r.code !== undefined ? `${r.code} ${r.reason ?? ''}` : r.preview}</span>
      </div>
    );
  };

  return (
    <div className="view with-side">
      <div className="main-col">
        <div className="toolbar">
          <input className="search" data-search aria-label="Search text" placeholder="Search text  ( / )" value={filter.text ?? ''} onChange={(e) => edit({ text: e.target.value })} />
          <select value={filter.protocol ?? ''} onChange={(e) => edit({ protocol: (e.target.value || undefined) as ProtocolName | undefined })} aria-label="Protocol">
            <option value="">All protocols</option>
            {snapshot?.protocols.map((p) => (
              <option key={p}>{p}</option>
            ))}
          </select>
          <input placeholder="Room" value={filter.room ?? ''} onChange={(e) => edit({ room: e.target.value })} aria-label="Room" />
          <input placeholder="Peer id" value={filter.peer ?? ''} onChange={(e) => edit({ peer: e.target.value })} aria-label="Peer" />
        </div>
        <div className="toolbar">
          <label className="chip" title="Read the search as a regular expression (case-insensitive)">
            <input type="checkbox" checked={!!filter.regex} onChange={(e) => edit({ regex: e.target.checked || undefined })} aria-label="Regular expression" />
            .* regex
          </label>
          <input className="size-filter" type="number" min={0} placeholder="min bytes" value={filter.minSize ?? ''} onChange={(e) => edit({ minSize: sizeOf(e.target.value) })} aria-label="Smallest size" />
          <input className="size-filter" type="number" min={0} placeholder="max bytes" value={filter.maxSize ?? ''} onChange={(e) => edit({ maxSize: sizeOf(e.target.value) })} aria-label="Largest size" />
          {trafficError && (
            <span className="error small" role="alert">
              {trafficError}
            </span>
          )}
        </div>
        <div className="toolbar kinds">
          {KINDS.map((k) => (
            <label key={k} className={`chip${(filter.kinds ?? []).includes(k) ? ' on' : ''}`}>
              <input type="checkbox" checked={(filter.kinds ?? []).includes(k)} onChange={() => toggleKind(k)} />
              {k}
            </label>
          ))}
          <span className="muted small">
            {count(traffic.length)} shown (newest first, up to {count(TRAFFIC_CAP)})
            {skipped > 0 && <span className="warn"> · {count(skipped)} skipped while the console was behind</span>}
          </span>
          <span className="spacer" />
          <button className={`btn${paused ? ' primary' : ''}`} onClick={() => setPaused(!paused)} title="Pause or resume (Space)">
            {paused ? `Resume${missed ? ` (${count(missed)} new)` : ''}` : 'Pause'}
          </button>
          <button className="btn" onClick={() => void controller.subscribeTraffic(applied)} title="Empty the list">
            Clear
          </button>
          <button className="btn" onClick={exportShown} disabled={traffic.length === 0} title="Download what is shown as JSON Lines">
            Export
          </button>
        </div>
        {node !== undefined && (
          <p className="muted small" role="note">
            The traffic of {node} only: each node of the cluster records what it routes, and a message it hands to another node&apos;s peer is recorded here, not there. Sending every
            record to every node&apos;s console would cost as much again as the messages, so another node&apos;s traffic is in its own console.
          </p>
        )}
        <Table
          label="Traffic"
          cols="traffic-cols"
          columns={[
            { label: 'Time', sort: 'seq' },
            { label: 'Kind', sort: 'kind' },
            { label: 'Protocol', sort: 'protocol' },
            { label: 'Room', sort: 'room' },
            { label: 'From', sort: 'from' },
            { label: 'To', sort: 'to' },
            { label: 'Size', num: true, sort: 'size' },
            { label: 'Preview' },
          ]}
          sort={sort}
          onSort={setSort}
          count={rows.length}
          rowHeight={ROW}
          row={row}
          empty={
            <Empty title={paused ? 'Paused' : filtered ? 'Nothing matches yet' : 'Waiting for traffic'}>
              {paused ? 'Resume (Space) to see new messages.' : filtered ? 'Messages that match the filters appear here as they flow. Loosen the filters to see more.' : 'Messages appear here as peers send them. Send one yourself from the Composer.'}
            </Empty>
          }
        />
      </div>
      {selected && <RecordDetail record={selected} onClose={() => setSelected(null)} />}
    </div>
  );
}
