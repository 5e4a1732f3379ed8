import { useEffect, useState } from 'react';
import type { CaptureFile, CaptureOverview, ReplayReport, Snapshot } from '../../relay/console/types.js';
import { client, openCapture, useConsole } from '../app.js';
import { consoleToken } from '../client/pick.js';
import { Empty } from '../components/Empty.js';
import { bytes, clock, count, since } from '../format.js';

const MiB = 1024 * 1024;

/** Record, stop, download and replay captures of this relay; open a capture file with no relay. */
export function Captures() {
  const offline = useConsole((s) => s.snapshot?.offline);
  return (
    <div className="view">
      <div className="main-col scroll captures">
        {offline ? <OfflineCard offline={offline} /> : <RecordCard />}
        <OpenCard />
        {!offline && <FilesCard />}
        {!offline && <ReplaysCard />}
      </div>
    </div>
  );
}

function useOverview(): [CaptureOverview | null, string, () => void] {
  const tick = useConsole((s) => s.capture);
  const [overview, setOverview] = useState<CaptureOverview | null>(null);
  const [error, setError] = useState('');
  const [again, setAgain] = useState(0);
  useEffect(() => {
    let live = true;
    client.request('captures', {}).then(
      (o) => live && (setOverview(o), setError('')),
      (err: Error) => live && setError(err.message),
    );
    return () => {
      live = false;
    };
  }, [tick, again]);
  // While recording, its counters move: ask again every second.
  useEffect(() => {
    if (!overview?.current) return;
    const t = setInterval(() => setAgain((n) => n + 1), 1000);
    return () => clearInterval(t);
  }, [overview?.current]);
  return [overview, error, () => setAgain((n) => n + 1)];
}

function RecordCard() {
  const [overview, error, refresh] = useOverview();
  const [maxMiB, setMaxMiB] = useState('256');
  const [maxMinutes, setMaxMinutes] = useState('60');
  const [busy, setBusy] = useState('');
  const current = overview?.current;
  const last = overview?.files[0];
  const act = async (what: () => Promise<unknown>): Promise<void> => {
    setBusy('…');
    try {
      await what();
      setBusy('');
    } catch (err) {
      setBusy((err as Error).message);
    }
    refresh();
  };
  const record = (): Promise<void> =>
    act(() => client.request('startCapture', { maxBytes: Math.round(Number(maxMiB) * MiB), maxSeconds: Math.round(Number(maxMinutes) * 60) }));
  return (
    <section className="card">
      <header className="card-head">
        <h2>Capture</h2>
        {current ? (
          <button className="btn danger" onClick={() => void act(() => client.request('stopCapture', {}))} aria-label="Stop the capture">
            ■ Stop
          </button>
        ) : (
          <button className="btn primary" onClick={() => void record()} aria-label="Record a capture">
            ● Record
          </button>
        )}
      </header>
      <p className="muted">
        Records every connection, close and frame, whole, to a file on the relay&apos;s disk (docs/capture.md). Credentials in handshakes are left out.
      </p>
      <div className="toolbar">
        <label className="inline">
          Stop at{' '}
          <input className="narrow" type="number" min="1" value={maxMiB} onChange={(e) => setMaxMiB(e.target.value)} disabled={!!current} aria-label="Size bound in MiB" /> MiB
        </label>
        <label className="inline">
          or after{' '}
          <input className="narrow" type="number" min="1" value={maxMinutes} onChange={(e) => setMaxMinutes(e.target.value)} disabled={!!current} aria-label="Time bound in minutes" /> minutes
        </label>
        {overview && <span className="muted">at most {bytes(overview.limits.maxBytes)} and {Math.round(overview.limits.maxSeconds / 60)} minutes here</span>}
      </div>
      {current ? (
        <p className="capture-state recording" role="status">
          <span className="dot rec" /> Recording to <span className="mono">{current.file}</span>: {count(current.records)} records, {bytes(current.bytes)}, for {since(current.startedMs)}
        </p>
      ) : (
        last?.reason && (
          <p className="capture-state" role="status">
            Last capture <span className="mono">{last.name}</span> ended: {last.reason}
          </p>
        )
      )}
      {(busy || error) && <p className="error">{busy || error}</p>}
    </section>
  );
}

function downloadHref(f: CaptureFile): string | undefined {
  const token = consoleToken();
  return token === undefined ? undefined : `/console/capture/${encodeURIComponent(f.name)}?token=${encodeURIComponent(token)}`;
}

function FilesCard() {
  const [overview] = useOverview();
  const [speed, setSpeed] = useState('1');
  const [room, setRoom] = useState('');
  const [error, setError] = useState('');
  const files = overview?.files ?? [];
  const replay = async (f: CaptureFile): Promise<void> => {
    try {
      await client.request('replayCapture', { name: f.name, speed: Number(speed) || 1, room: room || undefined });
      setError('');
    } catch (err) {
      setError((err as Error).message);
    }
  };
  return (
    <section className="card">
      <header className="card-head">
        <h2>This run&apos;s captures</h2>
        <label className="inline muted">
          Replay at speed <input className="narrow" type="number" min="0.1" step="0.1" value={speed} onChange={(e) => setSpeed(e.target.value)} aria-label="Replay speed" />
        </label>
        <input className="narrow-wide" placeholder="only room…" value={room} onChange={(e) => setRoom(e.target.value)} aria-label="Replay only this room" />
      </header>
      {error && <p className="error">{error}</p>}
      {files.length === 0 ? (
        <Empty title="No capture yet">Record one above, or start the relay with switchboard serve --record FILE.</Empty>
      ) : (
        <table className="plain" aria-label="Captures">
          <thead>
            <tr>
              <th>File</th>
              <th>Started</th>
              <th className="num">Records</th>
              <th className="num">Size</th>
              <th>State</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {files.map((f) => {
              const href = downloadHref(f);
              return (
                <tr key={f.name}>
                  <td className="mono" title={f.file}>
                    {f.name}
                  </td>
                  <td className="mono muted">{clock(f.startedMs)}</td>
                  <td className="num">{count(f.records)}</td>
                  <td className="num">{bytes(f.bytes)}</td>
                  <td>{f.state === 'recording' ? <span className="ok">recording</span> : <span className="muted">{f.reason}</span>}</td>
                  <td className="actions">
                    {href && (
                      <a className="btn small" href={href} download={f.name}>
                        Download
                      </a>
                    )}
                    <button className="btn small" disabled={f.state === 'recording'} onClick={() => void replay(f)} title="Replay it into this relay and compare what each client receives">
                      Replay
                    </button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}

function ReplaysCard() {
  const replays = useConsole((s) => s.replays);
  if (replays.length === 0) return null;
  return (
    <section className="card">
      <header className="card-head">
        <h2>Replays</h2>
      </header>
      {replays.map((r, i) => (
        <div key={i} className="replay" aria-label={`replay of ${r.name}`}>
          <h3 className="mono">{r.name}</h3>
          {r.error ? <p className="error">{r.error}</p> : r.report && <ReplayTable report={r.report} />}
        </div>
      ))}
    </section>
  );
}

/** One line per difference of a client, or "same". */
function differences(c: ReplayReport['clients'][number]): string[] {
  const lines = [
    ...c.missing.map((m) => `missing #${m.index + 1}: ${m.frame}`),
    ...c.extra.map((e) => `extra #${e.index + 1}: ${e.frame}`),
    ...c.reordered.map((o) => `reordered #${o.expectedIndex + 1}→#${o.receivedIndex + 1}: ${o.frame}`),
    ...c.notes,
  ];
  return lines.length > 0 ? lines : ['same'];
}

function ReplayTable({ report }: { report: ReplayReport }) {
  return (
    <>
      <p className={report.differed ? 'warn' : 'ok'} role="status">
        {report.differed ? 'Differences found' : 'No differences'}: {report.clients.length} clients at speed {report.speed}
      </p>
      <table className="plain">
        <thead>
          <tr>
            <th>Client</th>
            <th className="num">Expected</th>
            <th className="num">Received</th>
            <th>Differences</th>
          </tr>
        </thead>
        <tbody>
          {report.clients.map((c) => (
            <tr key={c.key}>
              <td className="mono">
                {c.protocol} {c.capturedId}
                {c.replayedId && c.replayedId !== c.capturedId && <span className="muted"> → {c.replayedId}</span>}
              </td>
              <td className="num">{c.expected}</td>
              <td className="num">{c.received}</td>
              <td>
                {differences(c).map((line, j) => (
                  <div key={j} className="ellipsis mono small" title={line}>
                    {line}
                  </div>
                ))}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {report.calls.map((c, i) => (
        <p key={i} className="warn">
          {c.method} {c.path}: answered {c.status}, the capture has {c.expectedStatus}
        </p>
      ))}
    </>
  );
}

function OpenCard() {
  const [error, setError] = useState('');
  const setView = useConsole((s) => s.setView);
  const open = async (file: File | undefined): Promise<void> => {
    if (!file) return;
    try {
      await openCapture(file);
      setError('');
      setView('traffic');
    } catch (err) {
      setError(`${file.name}: ${(err as Error).message}`);
    }
  };
  return (
    <section className="card">
      <header className="card-head">
        <h2>Open a capture file</h2>
      </header>
      <p className="muted">Browse, filter and follow the flows of a capture in this console, with no relay involved.</p>
      <input type="file" accept=".jsonl,.ndjson,application/x-ndjson,application/json" aria-label="Capture file" onChange={(e) => void open(e.target.files?.[0])} />
      {error && <p className="error">{error}</p>}
    </section>
  );
}

function OfflineCard({ offline }: { offline: NonNullable<Snapshot['offline']> }) {
  return (
    <section className="card">
      <header className="card-head">
        <h2>Capture {offline.name}</h2>
        <button className="btn" onClick={() => location.reload()}>
          Back to the relay
        </button>
      </header>
      <p role="status">
        Opened with no relay: {count(offline.records)} records, started {offline.started} (from the {offline.by === 'cli' ? 'command line' : 'console'}),{' '}
        {offline.ended ? `ended: ${offline.ended}` : 'cut short (the relay stopped without ending it)'}.
      </p>
    </section>
  );
}
