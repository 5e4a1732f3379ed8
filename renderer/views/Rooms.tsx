import { useEffect, useState } from 'react';
import type { PeerInfo, ProtocolName, RoomInfo } from '../../relay/console/types.js';
import { client, useConsole } from '../app.js';
import { Empty } from '../components/Empty.js';
import { Side } from '../components/Side.js';
import { Table } from '../components/Table.js';
import { showTraffic } from '../components/Pick.js';
import { bytes, count, metaText, since } from '../format.js';

const ROW = 32;
/** Room cards drawn per protocol; the rest are a search away. */
const ROOMS_SHOWN = 300;

export function Rooms() {
  const tick = useConsole((s) => s.stats?.ts);
  const presence = useConsole((s) => s.presence);
  const setView = useConsole((s) => s.setView);
  const setDraft = useConsole((s) => s.setDraft);
  const setFlowScope = useConsole((s) => s.setFlowScope);
  const [rooms, setRooms] = useState<RoomInfo[]>([]);
  const [text, setText] = useState('');
  const [open, setOpen] = useState<{ protocol: ProtocolName; room: string } | null>(null);
  const [members, setMembers] = useState<PeerInfo[]>([]);

  useEffect(() => {
    client.request('rooms', {}).then(setRooms, () => undefined);
  }, [tick, presence]);
  useEffect(() => {
    if (open) client.request('roomMembers', open).then(setMembers, () => setMembers([]));
  }, [open, tick, presence]);

  const shown = text ? rooms.filter((r) => r.room.toLowerCase().includes(text.toLowerCase())) : rooms;
  const byProtocol = new Map<ProtocolName, RoomInfo[]>();
  for (const r of shown) {
    const list = byProtocol.get(r.protocol);
    if (list) list.push(r);
    else byProtocol.set(r.protocol, [r]);
  }

  return (
    <div className="view with-side">
      <div className="main-col">
        <div className="toolbar">
          <input className="search" data-search placeholder="Search rooms  ( / )" value={text} onChange={(e) => setText(e.target.value)} />
          <span className="muted">{rooms.length} rooms, groups and channels</span>
        </div>
        {shown.length === 0 ? (
          <Empty title={text ? 'No room matches' : 'No rooms yet'}>
            {text ? 'Clear the search to see every room.' : 'Rooms appear when a client joins one: a msg-relay group, a channel, a game room.'}
          </Empty>
        ) : (
          <div className="rooms scroll">
            {[...byProtocol].map(([protocol, list]) => (
              <section key={protocol} className="room-group">
                <h3>
                  <span className="tag">{protocol}</span> <span className="muted">{list.length}</span>
                </h3>
                <div className="room-grid">
                  {list.slice(0, ROOMS_SHOWN).map((r) => (
                    <button
                      key={r.room}
                      className={`room card${open?.protocol === r.protocol && open.room === r.room ? ' selected' : ''}`}
                      onClick={() => setOpen({ protocol: r.protocol, room: r.room })}
                    >
                      <span className="room-name mono ellipsis">{r.room}</span>
                      <span className="room-count">{r.members} {r.members === 1 ? 'member' : 'members'}</span>
                      <span className="room-rate muted small">
                        {count(r.msgsPerSec)} msg/s · {bytes(r.bytesPerSec)}/s
                      </span>
                    </button>
                  ))}
                </div>
                {list.length > ROOMS_SHOWN && <p className="muted small">{list.length - ROOMS_SHOWN} more: search to narrow them down.</p>}
              </section>
            ))}
          </div>
        )}
      </div>
      {open && (
        <Side
          label="Room members"
          title={
            <>
              <span className="tag">{open.protocol}</span> {open.room}
            </>
          }
          onClose={() => setOpen(null)}
        >
          <RoomRates room={rooms.find((r) => r.protocol === open.protocol && r.room === open.room)} />
          <div className="actions">
            <button className="btn" onClick={() => setFlowScope(open)}>
              Open its flow
            </button>
            <button className="btn" onClick={() => showTraffic(open)}>
              Show its traffic
            </button>
            <button
              className="btn"
              onClick={() => {
                setDraft({ protocol: open.protocol, target: { kind: 'room', room: open.room } });
                setView('composer');
              }}
            >
              Send to this room
            </button>
          </div>
          <Table
            className="members"
            label="Members"
            cols="members-cols"
            columns={[{ label: 'Id' }, { label: 'Metadata' }, { label: 'Since', num: true }]}
            count={members.length}
            rowHeight={ROW}
            empty={<Empty title="Nobody is here now">The room closes when its last member leaves.</Empty>}
            row={(i) => {
              const m = members[i]!;
              return (
                <div className="trow members-cols">
                  <span className="mono ellipsis" title={m.id}>
                    {m.id}
                  </span>
                  <span className="mono ellipsis">{metaText(m.meta)}</span>
                  <span className="num">{since(m.connectedAt)}</span>
                </div>
              );
            }}
          />
        </Side>
      )}
    </div>
  );
}

function RoomRates({ room }: { room: RoomInfo | undefined }) {
  if (!room) return null;
  return (
    <dl className="fields">
      <dt>Members</dt>
      <dd>{room.members}</dd>
      <dt>Messages</dt>
      <dd>{count(room.msgsPerSec)} a second</dd>
      <dt>Bytes</dt>
      <dd>{bytes(room.bytesPerSec)} a second</dd>
    </dl>
  );
}
