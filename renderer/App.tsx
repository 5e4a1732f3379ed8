import { Fragment, useCallback, useEffect, useState } from 'react';
import { store, useConsole } from './app.js';
import { Empty } from './components/Empty.js';
import { bytes, count } from './format.js';
import { VIEWS, type View } from './store.js';
import { hashView, withView } from './hash.js';
import { Captures } from './views/Captures.js';
import { Composer } from './views/Composer.js';
import { Log } from './views/Log.js';
import { Overview } from './views/Overview.js';
import { Peers } from './views/Peers.js';
import { Rooms } from './views/Rooms.js';
import { Settings } from './views/Settings.js';
import { Traffic } from './views/Traffic.js';

const TITLES: Record<View, string> = {
  overview: 'Overview',
  peers: 'Peers',
  rooms: 'Rooms',
  traffic: 'Traffic',
  composer: 'Composer',
  log: 'Log',
  captures: 'Captures',
  settings: 'Settings',
};
const SCREENS: Record<View, () => React.JSX.Element> = { overview: Overview, peers: Peers, rooms: Rooms, traffic: Traffic, composer: Composer, log: Log, captures: Captures, settings: Settings };

function typing(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  return !!el && (el.tagName === 'INPUT' || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT' || el.isContentEditable);
}

const KEYS: [string, string][] = [
  [`1 – ${VIEWS.length}`, 'Switch views'],
  ['/', 'Search in this view'],
  ['Space or P', 'Pause or resume the traffic tail'],
  ['Ctrl + Enter', 'Send from the Composer'],
  ['Esc', 'Leave a field, close this help'],
  ['?', 'Show this help'],
];

/** Keys: 1-8 switch views, / searches, Space pauses the traffic tail, Escape leaves a field, ? helps. */
function useShortcuts(toggleHelp: (open?: boolean) => void): void {
  const setView = useConsole((s) => s.setView);
  const setPaused = useConsole((s) => s.setPaused);
  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      if (e.key === 'Escape') {
        if (typing(e.target)) (e.target as HTMLElement).blur();
        toggleHelp(false);
        return;
      }
      if (typing(e.target)) return;
      if (e.key === '?') {
        toggleHelp();
        return;
      }
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
  }, [setView, setPaused, toggleHelp]);
}

function Help({ onClose }: { onClose(): void }) {
  return (
    <div className="overlay" onClick={onClose}>
      <div className="card help" role="dialog" aria-label="Keyboard shortcuts" onClick={(e) => e.stopPropagation()}>
        <h2>Keyboard shortcuts</h2>
        <dl className="fields">
          {KEYS.map(([k, what]) => (
            <Fragment key={k}>
              <dt>
                <kbd>{k}</kbd>
              </dt>
              <dd>{what}</dd>
            </Fragment>
          ))}
        </dl>
      </div>
    </div>
  );
}

/**
 * The view follows the URL fragment (Electron's "Settings…" menu loads #settings; the store
 * starts at the fragment's view) and the fragment follows the view, so asking for a view always
 * changes it.
 */
function useHashView(): void {
  const view = useConsole((s) => s.view);
  const setView = useConsole((s) => s.setView);
  useEffect(() => {
    const follow = (): void => {
      const asked = hashView(location.hash);
      if (asked) setView(asked);
    };
    window.addEventListener('hashchange', follow);
    return () => window.removeEventListener('hashchange', follow);
  }, [setView]);
  useEffect(() => {
    if (hashView(location.hash) !== view) history.replaceState(null, '', withView(location.hash, view));
  }, [view]);
}

export function App() {
  const view = useConsole((s) => s.view);
  const status = useConsole((s) => s.status);
  const stats = useConsole((s) => s.stats);
  const paused = useConsole((s) => s.paused);
  const offline = useConsole((s) => s.snapshot?.offline);
  const recording = useConsole((s) => s.capture?.state === 'recording');
  const setView = useConsole((s) => s.setView);
  const [help, setHelp] = useState(false);
  const toggleHelp = useCallback((open?: boolean) => setHelp((h) => open ?? !h), []);
  useShortcuts(toggleHelp);
  useHashView();
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
              {v === 'captures' && recording && <span className="dot rec" title="recording" />}
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
          {offline ? (
            <span className="conn conn-offline" role="status" aria-label="offline capture" title={`capture ${offline.name}, no relay`}>
              capture
            </span>
          ) : (
            <span className={`conn conn-${status}`} role="status" aria-label={`connection ${status}`}>
              {status === 'open' ? 'live' : status}
            </span>
          )}
          <button className="btn ghost small" onClick={() => toggleHelp(true)} title="Keyboard shortcuts (?)" aria-label="Keyboard shortcuts">
            ?
          </button>
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
      {help && <Help onClose={() => setHelp(false)} />}
    </div>
  );
}
