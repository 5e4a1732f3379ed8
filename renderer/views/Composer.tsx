import { useEffect, useState } from 'react';
import type { InjectTarget, PeerInfo, ProtocolName, RoomInfo } from '../../relay/console/types.js';
import { client, useConsole } from '../app.js';
import { Empty } from '../components/Empty.js';
import { Side } from '../components/Side.js';
import { clock } from '../format.js';
import type { Sent } from '../store.js';

/** Why the payload cannot be sent as it is, or '' when it can. */
function payloadError(text: string, format: 'json' | 'text'): string {
  if (format === 'text') return text ? '' : 'Empty';
  try {
    JSON.parse(text);
    return '';
  } catch (err) {
    return `Not valid JSON: ${(err as Error).message}`;
  }
}

function describe(t: InjectTarget, peers: PeerInfo[]): string {
  if (t.kind === 'everyone') return 'everyone';
  if (t.kind === 'room') return `room ${t.room}${t.filter ? ` where meta ~ ${t.filter}` : ''}`;
  return `peer ${peers.find((p) => p.key === t.peer)?.id ?? t.peer}`;
}

export function Composer() {
  const snapshot = useConsole((s) => s.snapshot);
  const draft = useConsole((s) => s.draft);
  const sent = useConsole((s) => s.sent);
  const setDraft = useConsole((s) => s.setDraft);
  const addSent = useConsole((s) => s.addSent);
  const templates = useConsole((s) => s.templates);
  const saveTemplate = useConsole((s) => s.saveTemplate);
  const removeTemplate = useConsole((s) => s.removeTemplate);
  const [templateName, setTemplateName] = useState('');
  const presence = useConsole((s) => s.presence);
  const [peers, setPeers] = useState<PeerInfo[]>([]);
  const [rooms, setRooms] = useState<RoomInfo[]>([]);
  const [peerSearch, setPeerSearch] = useState('');
  const [status, setStatus] = useState('');
  const protocol = draft.protocol as ProtocolName;

  useEffect(() => {
    if (!protocol) return;
    client.request('peers', { filter: { protocol, text: peerSearch || undefined }, limit: 200 }).then((r) => setPeers(r.peers), () => undefined);
    client.request('rooms', { protocol }).then(setRooms, () => undefined);
  }, [protocol, peerSearch, presence]);

  if (!snapshot) return <Empty title="Connecting to the relay…" />;
  const format = snapshot.payloadFormats[protocol] ?? 'json';
  const error = payloadError(draft.payload, format);
  const t = draft.target;
  const ready = !error && !!protocol && (t.kind === 'everyone' || (t.kind === 'room' && !!t.room) || (t.kind === 'peer' && !!t.peer));

  const send = async (): Promise<void> => {
    if (!ready) return;
    const item: Sent = { ts: Date.now(), protocol, target: t, payload: draft.payload };
    try {
      const r = await client.request('inject', { protocol, target: t, payload: draft.payload });
      item.recipients = r.recipients;
      setStatus(`Sent to ${r.recipients} ${r.recipients === 1 ? 'peer' : 'peers'}.`);
    } catch (err) {
      item.error = (err as Error).message;
      setStatus(item.error);
    }
    addSent(item);
  };
  const setKind = (kind: InjectTarget['kind']): void =>
    setDraft({ target: kind === 'peer' ? { kind, peer: peers[0]?.key ?? '' } : kind === 'room' ? { kind, room: rooms[0]?.room ?? '' } : { kind } });

  return (
    <div className="view with-side">
      <div className="main-col composer scroll">
        <div className="card form">
          <div className="row">
            <label>
              Protocol
              <select
                value={protocol}
                onChange={(e) => {
                  const p = e.target.value as ProtocolName;
                  setDraft({ protocol: p, target: { kind: 'everyone' }, payload: snapshot.templates[p] ?? draft.payload });
                }}
                aria-label="Protocol"
              >
                {snapshot.protocols.map((p) => (
                  <option key={p}>{p}</option>
                ))}
              </select>
            </label>
            <div className="seg" role="radiogroup" aria-label="Send to">
              {(['peer', 'room', 'everyone'] as const).map((k) => (
                <button key={k} className={`btn${t.kind === k ? ' on' : ''}`} role="radio" aria-checked={t.kind === k} onClick={() => setKind(k)}>
                  {k === 'peer' ? 'One peer' : k === 'room' ? 'A room' : `Everyone in ${protocol}`}
                </button>
              ))}
            </div>
          </div>
          {t.kind === 'peer' && (
            <div className="row">
              <label className="grow">
                Find a peer
                <input value={peerSearch} onChange={(e) => setPeerSearch(e.target.value)} placeholder="id, address or metadata" />
              </label>
              <label className="grow">
                Peer
                <select value={t.peer} onChange={(e) => setDraft({ target: { kind: 'peer', peer: e.target.value } })} aria-label="Peer">
                  {!peers.some((p) => p.key === t.peer) && <option value={t.peer}>{t.peer ? `${t.peer} (gone?)` : 'choose a peer'}</option>}
                  {peers.map((p) => (
                    <option key={p.key} value={p.key}>
                      {p.id} · {p.rooms.join(', ')} · {typeof p.meta === 'string' ? p.meta : JSON.stringify(p.meta)}
                    </option>
                  ))}
                </select>
              </label>
            </div>
          )}
          {t.kind === 'room' && (
            <div className="row">
              <label className="grow">
                Room
                <input list="composer-rooms" value={t.room} onChange={(e) => setDraft({ target: { ...t, room: e.target.value } })} aria-label="Room" />
                <datalist id="composer-rooms">
                  {rooms.map((r) => (
                    <option key={r.room} value={r.room}>{`${r.members} members`}</option>
                  ))}
                </datalist>
              </label>
              <label className="grow">
                Metadata filter (optional)
                <input
                  value={t.filter ?? ''}
                  placeholder="e.g. viewer-* (msg-relay matches peer metadata like a shell glob)"
                  onChange={(e) => setDraft({ target: { kind: 'room', room: t.room, ...(e.target.value ? { filter: e.target.value } : {}) } })}
                  aria-label="Metadata filter"
                />
              </label>
            </div>
          )}
          <div className="field">
            <div className="label-row">
              <label htmlFor="composer-payload">Payload</label>
              <button className="btn small ghost" onClick={() => setDraft({ payload: snapshot.templates[protocol] ?? '' })}>
                Use the {protocol} template
              </button>
              <select
                aria-label="Saved templates"
                value=""
                onChange={(e) => {
                  const saved = templates.find((x) => x.name === e.target.value);
                  if (saved) setDraft({ protocol: saved.protocol, target: { kind: 'everyone' }, payload: saved.payload });
                }}
              >
                <option value="">{templates.length ? 'Saved templates…' : 'No saved templates'}</option>
                {templates.map((x) => (
                  <option key={x.name} value={x.name}>
                    {x.name} ({x.protocol})
                  </option>
                ))}
              </select>
            </div>
            <textarea
              id="composer-payload"
              className={`payload mono${error ? ' invalid' : ''}`}
              spellCheck={false}
              value={draft.payload}
              onChange={(e) => setDraft({ payload: e.target.value })}
              onKeyDown={(e) => {
                if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) void send();
              }}
            />
          </div>
          <div className="row">
            <span className={error ? 'error' : 'ok'}>{error || (format === 'json' ? 'Valid JSON' : 'Text, sent as it is')}</span>
            <span className="spacer" />
            <span className="muted small">Ctrl+Enter sends</span>
            <button className="btn primary" disabled={!ready} onClick={() => void send()}>
              Send to {describe(t, peers)}
            </button>
          </div>
          <div className="row">
            <input value={templateName} onChange={(e) => setTemplateName(e.target.value)} placeholder="template name" aria-label="Template name" />
            <button
              className="btn"
              disabled={!templateName.trim() || !protocol}
              onClick={() => {
                saveTemplate({ name: templateName.trim(), protocol, payload: draft.payload });
                setTemplateName('');
              }}
            >
              Save as template
            </button>
            {templates.some((x) => x.name === templateName.trim()) && (
              <button className="btn danger" onClick={() => removeTemplate(templateName.trim())}>
                Delete template
              </button>
            )}
            <span className="muted small">History and templates are kept in this browser (or the desktop app) across reloads and restarts.</span>
          </div>
          {status && (
            <p className="status" role="status">
              {status}
            </p>
          )}
        </div>
      </div>
      <Side label="Sent history" title="Sent">
        {sent.length === 0 ? (
          <Empty title="Nothing sent yet">What you send is kept here; click one to load it again.</Empty>
        ) : (
          <ul className="history scroll">
            {sent.map((s) => (
              <li key={s.ts} onClick={() => setDraft({ protocol: s.protocol, target: s.target, payload: s.payload })} title="Load into the editor">
                <div className="history-head">
                  <span className="mono muted">{clock(s.ts)}</span>
                  <span className="tag">{s.protocol}</span>
                  <span className="ellipsis">{describe(s.target, peers)}</span>
                  <span className={s.error ? 'error' : 'ok'}>{s.error ? 'failed' : `${s.recipients} got it`}</span>
                </div>
                <div className="mono ellipsis small">{s.error ?? s.payload.replace(/\s+/g, ' ')}</div>
              </li>
            ))}
          </ul>
        )}
      </Side>
    </div>
  );
}
