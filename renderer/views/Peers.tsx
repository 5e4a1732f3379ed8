import { useCallback, useEffect, useRef, useState } from 'react';
import type { PeerFilter, PeerInfo, PeerSort, ProtocolName, TrafficRecord } from '../../relay/console/types.js';
import { client, useConsole } from '../app.js';
import { Empty } from '../components/Empty.js';
import { Side } from '../components/Side.js';
import { PeerPick, RoomPick, showTraffic } from '../components/Pick.js';
import { Table, type Column, type SortOrder } from '../components/Table.js';
import { bytes, clock, count, metaText, since } from '../format.js';

const ROW = 32;
const PAGE_PAD = 60;
const PEER_COLUMNS: Column[] = [
  { label: 'Id', sort: 'id' },
  { label: 'Protocol', sort: 'protocol' },
  { label: 'Room', sort: 'room' },
  { label: 'Metadata', sort: 'meta' },
  { label: 'Remote', sort: 'remote' },
  { label: 'Since', num: true, sort: 'connectedAt' },
  { label: 'In', num: true, sort: 'msgsIn' },
  { label: 'Out', num: true, sort: 'msgsOut' },
  { label: 'Drops', num: true, sort: 'drops' },
];
/** Messages of a peer its detail lists. */
const LAST_MESSAGES = 10;
/** On a cluster's node: which node holds each peer's socket, after its id. */
const NODE_COLUMNS: Column[] = [PEER_COLUMNS[0]!, { label: 'Node', sort: 'node' }, ...PEER_COLUMNS.slice(1)];

/** A peer another node of the cluster holds: its counters stay on that node. */
const heldElsewhere = (p: PeerInfo, thisNode: string | undefined): boolean => p.node !== undefined && p.node !== thisNode;

interface Page {
  offset: number;
  total: number;
  peers: PeerInfo[];
}

/** The relay pages and filters the peers; the table asks only for the rows on screen. */
export function Peers() {
  const snapshot = useConsole((s) => s.snapshot);
  const tick = useConsole((s) => s.stats?.ts);
  const clustered = useConsole((s) => s.stats?.cluster !== undefined);
  const thisNode = useConsole((s) => s.stats?.cluster?.node);
  const cols = clustered ? 'peers-cols with-node' : 'peers-cols';
  const presence = useConsole((s) => s.presence);
  const focus = useConsole((s) => s.focus);
  const [text, setText] = useState(focus.peerText ?? '');
  const [protocol, setProtocol] = useState<ProtocolName | ''>('');
  const [room, setRoom] = useState('');
  const [range, setRange] = useState<[number, number]>([0, 50]);
  const [page, setPage] = useState<Page>({ offset: 0, total: 0, peers: [] });
  const [selected, setSelected] = useState<string | null>(null);
  const [sort, setSort] = useState<SortOrder | null>(null);
  const [error, setError] = useState('');
  const busy = useRef(false);
  const stale = useRef(false);
  const [again, setAgain] = useState(0);

  const filter: PeerFilter = { text: text || undefined, protocol: protocol || undefined, room: room || undefined };
  const filterKey = JSON.stringify({ filter, sort });
  const offset = Math.max(0, range[0] - PAGE_PAD);
  const limit = range[1] - range[0] + 2 * PAGE_PAD;

  // One request at a time; a change made meanwhile is fetched when it answers.
  useEffect(() => {
    if (busy.current) {
      stale.current = true;
      return;
    }
    busy.current = true;
    client
      .request('peers', { ...(JSON.parse(filterKey) as { filter: PeerFilter; sort?: PeerSort }), offset, limit })
      .then((r) => {
        setPage({ offset, total: r.total, peers: r.peers });
        setError('');
      })
      .catch((err: Error) => setError(err.message))
      .finally(() => {
        busy.current = false;
        if (stale.current) {
          stale.current = false;
          setAgain((n) => n + 1);
        }
      });
  }, [filterKey, offset, limit, tick, presence, again]);

  const onRange = useCallback((a: number, b: number) => setRange((r) => (r[0] === a && r[1] === b ? r : [a, b])), []);
  const row = (i: number) => {
    const p = page.peers[i - page.offset];
    if (!p) return <div className={`trow ${cols} muted`}>…</div>;
    return (
      <div className={`trow ${cols}${p.key === selected ? ' selected' : ''}`} onClick={() => setSelected(p.key)}>
        <span className="mono ellipsis" title={p.id}>
          {p.id}
        </span>
        {clustered && <span className="mono ellipsis">{p.node}</span>}
        <span>
          <span className="tag">{p.protocol}</span>
        </span>
        <span className="ellipsis">
          {p.rooms.map((r, k) => (
            <span key={r}>
              {k > 0 && ', '}
              <RoomPick protocol={p.protocol} room={r} />
            </span>
          ))}
        </span>
        <span className="mono ellipsis" title={metaText(p.meta)}>
          {metaText(p.meta)}
        </span>
        <span className="mono ellipsis">{p.remote}</span>
        <span className="num">{since(p.connectedAt)}</span>
        {heldElsewhere(p, thisNode) ? (
          <span className="muted small counted-elsewhere" title={`Counted on ${p.node}: open its console for this peer's figures`}>
            counted on {p.node}
          </span>
        ) : (
          <>
            <span className="num">{count(p.msgsIn)} / {bytes(p.bytesIn)}</span>
            <span className="num">{count(p.msgsOut)} / {bytes(p.bytesOut)}</span>
            <span className={`num${p.drops ? ' warn' : ''}`}>{p.drops}</span>
          </>
        )}
      </div>
    );
  };

  return (
    <div className="view with-side">
      <div className="main-col">
        <div className="toolbar">
          <input className="search" data-search placeholder="Search id, address, metadata  ( / )" value={text} onChange={(e) => setText(e.target.value)} />
          <select value={protocol} onChange={(e) => setProtocol(e.target.value as ProtocolName | '')} aria-label="Protocol">
            <option value="">All protocols</option>
            {snapshot?.protocols.map((p) => (
              <option key={p}>{p}</option>
            ))}
          </select>
          <input placeholder="Room" value={room} onChange={(e) => setRoom(e.target.value)} aria-label="Room" />
          <span className="muted">
            {count(page.total)} {page.total === 1 ? 'peer' : 'peers'}
          </span>
        </div>
        {error && <p className="error">{error}</p>}
        <Table
          label="Peers"
          cols={cols}
          columns={clustered ? NODE_COLUMNS : PEER_COLUMNS}
          sort={sort}
          onSort={setSort}
          count={page.total}
          rowHeight={ROW}
          row={row}
          onRange={onRange}
          empty={
            <Empty title={text || protocol || room ? 'No peer matches' : 'No peers connected'}>
              {text || protocol || room ? 'Clear the search or the filters to see every peer.' : 'Connect a client to a listener URL (see Overview) and it appears here at once.'}
            </Empty>
          }
        />
      </div>
      {selected && <PeerDetail key={selected} peerKey={selected} tick={tick} onClose={() => setSelected(null)} />}
    </div>
  );
}

function PeerDetail({ peerKey, tick, onClose }: { peerKey: string; tick: number | undefined; onClose(): void }) {
  const [peer, setPeer] = useState<PeerInfo | null | undefined>(undefined);
  const [code, setCode] = useState('4000');
  const [reason, setReason] = useState('kicked by the operator');
  const [result, setResult] = useState('');
  const [last, setLast] = useState<TrafficRecord[]>([]);
  const setView = useConsole((s) => s.setView);
  const setDraft = useConsole((s) => s.setDraft);
  const setFlowScope = useConsole((s) => s.setFlowScope);
  const thisNode = useConsole((s) => s.stats?.cluster?.node);

  useEffect(() => {
    client.request('peer', { key: peerKey }).then(setPeer, () => setPeer(null));
  }, [peerKey, tick]);
  const id = peer?.id;
  useEffect(() => {
    if (id) client.request('exportTraffic', { filter: { peer: id, kinds: ['message', 'relay', 'operator', 'drop'] }, limit: LAST_MESSAGES }).then((r) => setLast(r.records.reverse()), () => undefined);
  }, [id, tick]);

  const kick = async (): Promise<void> => {
    try {
      const r = await client.request('kick', { key: peerKey, code: Number(code), reason });
      setResult(r.kicked ? `Closed with ${code}.` : 'That peer had already left.');
    } catch (err) {
      setResult((err as Error).message);
    }
  };

  return (
    <Side label="Peer detail" title="Peer" onClose={onClose}>
      {peer === undefined ? null : peer === null ? (
        <Empty title="This peer has left">{result || 'Its close code and reason are in the Log.'}</Empty>
      ) : (
        <>
          <dl className="fields">
            <dt>Id</dt>
            <dd className="mono">
              <PeerPick id={peer.id} />
            </dd>
            {peer.node !== undefined && (
              <>
                <dt>Node</dt>
                <dd className="mono">{peer.node}</dd>
              </>
            )}
            <dt>Protocol</dt>
            <dd>{peer.protocol}</dd>
            <dt>Rooms</dt>
            <dd>
              {peer.rooms.length === 0
                ? '—'
                : peer.rooms.map((r, k) => (
                    <span key={r}>
                      {k > 0 && ', '}
                      <RoomPick protocol={peer.protocol} room={r} />
                    </span>
                  ))}
            </dd>
            <dt>Remote</dt>
            <dd className="mono">{peer.remote}</dd>
            <dt>Connected</dt>
            <dd>
              {new Date(peer.connectedAt).toLocaleTimeString()} ({since(peer.connectedAt)} ago)
            </dd>
            {heldElsewhere(peer, thisNode) ? (
              <>
                <dt>Counters</dt>
                <dd className="muted">Kept on {peer.node}: its console has this peer&apos;s messages, bytes and drops.</dd>
              </>
            ) : (
              <>
                <dt>In</dt>
                <dd>
                  {peer.msgsIn} messages, {bytes(peer.bytesIn)}
                </dd>
                <dt>Out</dt>
                <dd>
                  {peer.msgsOut} messages, {bytes(peer.bytesOut)}
                </dd>
                <dt>Drops</dt>
                <dd>{peer.drops}</dd>
              </>
            )}
            <dt>Metadata</dt>
            <dd>
              <pre className="code small">{typeof peer.meta === 'string' ? peer.meta : JSON.stringify(peer.meta, null, 2)}</pre>
            </dd>
            {peer.handshake && (
              <>
                <dt>Handshake</dt>
                <dd>
                  <pre className="code small handshake">
                    {`GET ${peer.handshake.path}${peer.handshake.query ? `?${peer.handshake.query}` : ''}\n`}
                    {Object.entries(peer.handshake.headers)
                      .map(([k, v]) => `${k}: ${v}`)
                      .join('\n')}
                  </pre>
                </dd>
              </>
            )}
          </dl>
          <h3 className="small">Last messages</h3>
          {last.length === 0 ? (
            <p className="muted small">None the relay still holds.</p>
          ) : (
            <ul className="last-messages" aria-label="Last messages">
              {last.map((r) => (
                <li key={r.seq} className="mono small ellipsis" title={r.preview}>
                  <span className="muted">{clock(r.ts)}</span> <span className={`badge kind-${r.kind}`}>{r.kind}</span> {r.from === peer.id ? '→' : '←'} {r.preview}
                </li>
              ))}
            </ul>
          )}
          <div className="actions">
            <button
              className="btn"
              onClick={() => showTraffic({ peer: peer.id })}
            >
              Show its traffic
            </button>
            <button className="btn" onClick={() => setFlowScope({ peers: [peer.id] })}>
              Show its flow
            </button>
            <button
              className="btn"
              onClick={() => {
                setDraft({ protocol: peer.protocol, target: { kind: 'peer', peer: peer.key } });
                setView('composer');
              }}
            >
              Send to it
            </button>
          </div>
          <fieldset className="kick">
            <legend>Kick</legend>
            <label>
              Code
              <input className="code-input" value={code} onChange={(e) => setCode(e.target.value)} inputMode="numeric" aria-label="Close code" />
            </label>
            <label className="grow">
              Reason
              <input value={reason} onChange={(e) => setReason(e.target.value)} aria-label="Close reason" />
            </label>
            <button className="btn danger" onClick={() => void kick()}>
              Kick
            </button>
          </fieldset>
          {result && <p className="muted">{result}</p>}
        </>
      )}
    </Side>
  );
}
