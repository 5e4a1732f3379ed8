import { useEffect, useMemo, useState } from 'react';
import type { FrameDetail, TrafficRecord } from '../../relay/console/types.js';
import { client } from '../app.js';
import { bytes as size } from '../format.js';
import { CopyButton } from './CopyButton.js';
import { HexDump } from './HexDump.js';
import { JsonTree, parseJson } from './JsonTree.js';

type Tab = 'tree' | 'text' | 'hex' | 'base64';
const TABS: [Tab, string][] = [
  ['tree', 'JSON tree'],
  ['text', 'Raw text'],
  ['hex', 'Hex'],
  ['base64', 'Base64'],
];

/** The whole frame of a record, fetched from the relay, as a JSON tree, text, a hex dump or base64. */
export function FrameView({ record }: { record: TrafficRecord }) {
  const [detail, setDetail] = useState<FrameDetail | null | undefined>(undefined);
  const [error, setError] = useState('');
  useEffect(() => {
    let live = true;
    setDetail(undefined);
    client.request('frame', { seq: record.seq }).then(
      (d) => live && setDetail(d),
      (err: Error) => live && setError(err.message),
    );
    return () => {
      live = false;
    };
  }, [record.seq]);
  if (error) return <p className="warn small">{error}</p>;
  if (detail === undefined) return <p className="muted small">Fetching the frame…</p>;
  if (detail === null) return <p className="muted small">The relay no longer holds this frame: newer traffic took its place.</p>;
  return <Views detail={detail} />;
}

function Views({ detail }: { detail: FrameDetail }) {
  const bytes = useMemo(() => (detail.encoding === 'base64' ? fromBase64(detail.data) : new TextEncoder().encode(detail.data)), [detail]);
  const text = detail.encoding === 'text' ? detail.data : null;
  const json = useMemo(() => (text ? parseJson(text) : undefined), [text]);
  const base64 = useMemo(() => (detail.encoding === 'base64' ? detail.data : toBase64(bytes)), [detail, bytes]);
  const usable: Record<Tab, boolean> = { tree: !!json, text: text !== null, hex: true, base64: true };
  const [tab, setTab] = useState<Tab>(json ? 'tree' : text !== null ? 'text' : 'hex');
  const { record } = detail;
  if (bytes.length === 0) return null;
  return (
    <div className="frame-view">
      <div className="seg" role="tablist" aria-label="Frame views">
        {TABS.filter(([t]) => usable[t]).map(([t, label]) => (
          <button key={t} role="tab" aria-selected={tab === t} className={`btn small${tab === t ? ' on' : ''}`} onClick={() => setTab(t)}>
            {label}
          </button>
        ))}
        <span className="spacer" />
        <CopyButton text={tab === 'base64' || text === null ? base64 : text} label="Copy the frame" />
      </div>
      <p className="muted small">
        {record.binary ? 'Binary frame' : 'Text frame'}, {size(record.size)}
        {record.truncated && <span className="warn"> · truncated: the relay kept the first {size(bytes.length)} (tapFrameBytes)</span>}
      </p>
      {tab === 'tree' && json && <JsonTree value={json.value} />}
      {tab === 'text' && text !== null && <pre className="code frame-text">{text}</pre>}
      {tab === 'hex' && <HexDump bytes={bytes} />}
      {tab === 'base64' && <pre className="code frame-text">{base64}</pre>}
    </div>
  );
}

export function fromBase64(b64: string): Uint8Array {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function toBase64(bytes: Uint8Array): string {
  let bin = '';
  // In slices: String.fromCharCode takes its bytes as arguments, and a megabyte of them is too many.
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}
