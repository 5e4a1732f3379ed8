import { bindsAllInterfaces } from '../../relay/console/settings.js';
import type { BusStatus } from '../../relay/console/types.js';
import { useState } from 'react';
import { client, useConsole } from '../app.js';
import { Chart } from '../components/Chart.js';
import { Empty } from '../components/Empty.js';
import { bytes, count, since } from '../format.js';
import { HISTORY_CAP } from '../store.js';

const IN = 'var(--c-in)';
const OUT = 'var(--c-out)';

export function Overview() {
  const snapshot = useConsole((s) => s.snapshot);
  const stats = useConsole((s) => s.stats);
  const history = useConsole((s) => s.history);
  const setView = useConsole((s) => s.setView);
  const [sharing, setSharing] = useState<string>('');
  if (!snapshot || !stats) return <Empty title="Connecting to the relay…">The console shows the relay as soon as it answers.</Empty>;

  const shared = bindsAllInterfaces(snapshot.settings.host);
  const share = async (): Promise<void> => {
    setSharing('…');
    try {
      await client.request('updateSettings', { patch: { host: shared ? '127.0.0.1' : '0.0.0.0' } });
      setSharing('');
    } catch (err) {
      setSharing((err as Error).message);
    }
  };
  const r = stats.rates;
  const main = snapshot.listeners.find((l) => l.main);
  const lanUrls = shared && main ? main.urls.filter((u) => !u.startsWith('ws://127.0.0.1:')) : [];
  const pick = (f: (s: (typeof history)[number]) => number): number[] => history.map(f);

  return (
    <div className="view overview">
      <section className="tiles">
        <Tile label="Peers" value={count(stats.peers)} onClick={() => setView('peers')} />
        <Tile label="Messages in / s" value={count(r.msgsInPerSec)} sub={`${count(r.msgsOutPerSec)} out / s`} />
        <Tile label="Bytes in / s" value={bytes(r.bytesInPerSec)} sub={`${bytes(r.bytesOutPerSec)} out / s`} />
        <Tile label="Connects / s" value={count(r.connectsPerSec)} sub={`${count(r.disconnectsPerSec)} disconnects / s`} />
        <Tile label="Up" value={since(snapshot.startedAt, stats.ts)} sub={snapshot.version ? `Switchboard ${snapshot.version}` : 'Switchboard'} />
      </section>

      <section className="charts">
        <Chart title="Messages / s" span={HISTORY_CAP} format={count} series={[{ label: 'in', color: IN, values: pick((s) => s.rates.msgsInPerSec) }, { label: 'out', color: OUT, values: pick((s) => s.rates.msgsOutPerSec) }]} />
        <Chart title="Bytes / s" span={HISTORY_CAP} format={bytes} series={[{ label: 'in', color: IN, values: pick((s) => s.rates.bytesInPerSec) }, { label: 'out', color: OUT, values: pick((s) => s.rates.bytesOutPerSec) }]} />
        <Chart title="Connections / s" span={HISTORY_CAP} format={count} series={[{ label: 'opened', color: 'var(--c-ok)', values: pick((s) => s.rates.connectsPerSec) }, { label: 'closed', color: 'var(--c-warn)', values: pick((s) => s.rates.disconnectsPerSec) }]} />
      </section>

      {stats.cluster && <Nodes cluster={stats.cluster} now={stats.ts} />}

      <section className="split">
        <div className="card">
          <header className="card-head">
            <h2>Listeners</h2>
            <button className={shared ? 'btn' : 'btn primary'} onClick={() => void share()} title="Bind the main listener to every network interface, or back to this machine only">
              {shared ? 'Stop sharing on LAN' : 'Share on LAN'}
            </button>
          </header>
          {sharing && <p className="error">{sharing}</p>}
          <table className="plain">
            <thead>
              <tr>
                <th>Protocols</th>
                <th>Connect clients to</th>
              </tr>
            </thead>
            <tbody>
              {snapshot.listeners.map((l) => (
                <tr key={`${l.host}:${l.port}`}>
                  <td>
                    {l.protocols.map((p) => (
                      <span key={p} className="tag">
                        {p}
                      </span>
                    ))}
                    {l.main && <span className="muted"> main</span>}
                  </td>
                  <td className="mono">
                    {l.urls.map((u) => (
                      <div key={u}>{u}</div>
                    ))}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <p className="muted small">
            {shared ? 'Shared on the LAN: clients on other machines use the LAN addresses above.' : 'Only this machine can connect. Share on LAN to let other machines in.'} Demos of
            chat and a game run at <a href="/demo/">/demo/</a>.
          </p>
          {main && shared && (
            <p className="muted small">
              This console is also at <PageUrls urls={main.urls} path="console/" /> (with the token from the URL switchboard printed).
            </p>
          )}
          {lanUrls.length > 0 && (
            <p className="muted small">
              A phone on the same network opens the demos at <PageUrls urls={lanUrls} path="demo/" link />.
            </p>
          )}
        </div>
        <div className="card">
          <header className="card-head">
            <h2>Peers by protocol</h2>
          </header>
          {stats.peers === 0 ? (
            <Empty title="No peers yet">
              Point a client at one of the listener URLs, or open a <a href="/demo/">demo</a>.
            </Empty>
          ) : (
            <ul className="bars">
              {snapshot.protocols.map((p) => {
                const c = stats.byProtocol[p];
                return (
                  <li key={p}>
                    <span className="bar-label">{p}</span>
                    <span className="bar">
                      <span style={{ width: `${(100 * c.connections) / Math.max(1, stats.peers)}%` }} />
                    </span>
                    <span className="bar-value">{count(c.connections)}</span>
                  </li>
                );
              })}
            </ul>
          )}
        </div>
      </section>
    </div>
  );
}

/** A cluster's nodes as this node last heard of them: its own first in its health. */
function Nodes({ cluster, now }: { cluster: BusStatus; now: number }) {
  return (
    <section className="card nodes">
      <header className="card-head">
        <h2>Cluster nodes</h2>
        <span className={cluster.status === 'ok' ? 'tag ok' : 'tag warn'} title={cluster.detail}>
          {cluster.node}: {cluster.status === 'ok' ? 'healthy' : 'degraded'}
        </span>
      </header>
      {cluster.status !== 'ok' && <p className="error">{cluster.detail} (the other nodes below are as this node last heard of them)</p>}
      <table className="plain">
        <thead>
          <tr>
            <th>Node</th>
            <th>Address</th>
            <th className="num">Peers</th>
            <th className="num">Messages / s</th>
            <th className="num">Last heartbeat</th>
          </tr>
        </thead>
        <tbody>
          {(cluster.nodes ?? []).map((n) => (
            <tr key={n.name}>
              <td>
                {n.name}
                {n.name === cluster.node && <span className="muted"> this node</span>}
              </td>
              <td className="mono">
                {n.urls.map((u) => (
                  <div key={u}>{u}</div>
                ))}
              </td>
              <td className="num">{count(n.peers)}</td>
              <td className="num">{count(n.msgsPerSecond)}</td>
              <td className="num">{n.lastHeartbeat === null ? 'none yet' : `${since(n.lastHeartbeat, now)} ago`}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function Tile({ label, value, sub, onClick }: { label: string; value: string; sub?: string; onClick?: () => void }) {
  return (
    <div className={`tile card${onClick ? ' clickable' : ''}`} onClick={onClick}>
      <div className="tile-label">{label}</div>
      <div className="tile-value">{value}</div>
      {sub && <div className="tile-sub">{sub}</div>}
    </div>
  );
}

/** Pages the relay serves at each of the main listener's addresses (its ws:// URLs, as http://). */
function PageUrls({ urls, path, link = false }: { urls: string[]; path: string; link?: boolean }) {
  return urls.map((u, i) => {
    const href = u.replace(/^ws/, 'http') + path;
    return (
      <span key={u}>
        {i > 0 && ', '}
        {link ? (
          <a className="mono" href={href}>
            {href}
          </a>
        ) : (
          <span className="mono">{href}</span>
        )}
      </span>
    );
  });
}
