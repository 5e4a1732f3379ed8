import { useEffect } from 'react';
import { store, useConsole } from './app.js';
import { Empty } from './components/Empty.js';
import { bytes, count } from './format.js';
import { VIEWS, type View } from './store.js';
import { Composer } from './views/Composer.js';
import { Log } from './views/Log.js';
import { Overview } from './views/Overview.js';
import { Peers } from './views/Peers.js';
import { Rooms } from './views/Rooms.js';
import { Traffic } from './views/Traffic.js';

const TITLES: Record<View, string> = { overview: 'Overview', peers: 'Peers', rooms: 'Rooms', traffic: 'Traffic', composer: 'Composer', log: 'Log' };
const SCREENS: Record<View, () => React.JSX.Element> = { overview: Overview, peers: Peers, rooms: Rooms, traffic: Traffic, composer: Composer, log: Log };

function typing(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  return !!el && (el.tagName === 'INPUT' || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT' || el.isContentEditable);
}

/** Keys: 1-6 switch views, / searches, Space pauses the traffic tail, Escape leaves a field. */
function useShortcuts(): void {
  const setView = useConsole((s) => s.setView);
  const setPaused = useConsole((s) => s.setPaused);
  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      if (e.key === 'Escape' && typing(e.target)) {
        (e.target as HTMLElement).blur();
        return;
      }
      if (typing(e.target)) return;
      const n = Number(e.key);
      if (n >= 1 && n <= VIEWS.length) {
        setView(VIEWS[n - 1]!);
      } else if (e.key === '/') {
        e.preventDefault();
        document.querySelector<HTMLInputElement>('[data-search]')?.focus();
      } else if (e.key === ' ' || e.key === 'p') {
        e.preventDefault();
        const s = store.getState();
        setPaused(!s.paused);
        if (s.view !== 'traffic') setView('traffic');
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [setView, setPaused]);
}

export function App() {
  const view = useConsole((s) => s.view);
  const status = useConsole((s) => s.status);
  const stats = useConsole((s) => s.stats);
  const paused = useConsole((s) => s.paused);
  const setView = useConsole((s) => s.setView);
  useShortcuts();
  useEffect(() => {
    document.title = `${TITLES[view]} · Switchboard`;
  }, [view]);
  const Screen = SCREENS[view];
  return (
    <div className="app">
      <header className="topbar">
        <div className="brand">
          <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true">
            <circle cx="5" cy="12" r="2.5" />
            <circle cx="19" cy="5" r="2.5" />
            <circle cx="19" cy="19" r="2.5" />
            <path d="M7.5 12h4l5-6M11.5 12l5 6" fill="none" strokeWidth="1.8" />
          </svg>
          Switchboard
        </div>
        <nav className="tabs" aria-label="Views">
          {VIEWS.map((v, i) => (
            <button key={v} className={`tab${v === view ? ' active' : ''}`} onClick={() => setView(v)} title={`${TITLES[v]} (${i + 1})`} aria-current={v === view ? 'page' : undefined}>
              {TITLES[v]}
              {v === 'traffic' && paused && <span className="dot warn" title="paused" />}
            </button>
          ))}
        </nav>
        <div className="topstats">
          {stats && (
            <>
              <span>
                <b>{count(stats.peers)}</b> peers
              </span>
              <span>
                <b>{count(stats.rates.msgsInPerSec)}</b> msg/s
              </span>
              <span>
                <b>{bytes(stats.rates.bytesInPerSec + stats.rates.bytesOutPerSec)}</b>/s
              </span>
            </>
          )}
          <span className={`conn conn-${status}`} role="status" aria-label={`connection ${status}`}>
            {status === 'open' ? 'live' : status}
          </span>
        </div>
      </header>
      {status === 'closed' && <div className="banner">Lost the relay. Reconnecting… what is shown may be out of date.</div>}
      <main className="content">
        {status === 'unauthorized' ? (
          <Empty title="This console needs its token">
            Open the console URL that switchboard printed at start: it ends in <code>#token=…</code>. A relay with an empty <code>consoleToken</code> makes a new one at each start.
          </Empty>
        ) : (
          <Screen />
        )}
      </main>
    </div>
  );
}
