import { useState } from 'react';
import { ALL_INTERFACES, PROTOCOLS, SCHEMA, bindsAllInterfaces, type ConfigKey, type KeySpec, type SettingSource } from '../../relay/console/settings.js';
import type { Config } from '../../relay/console/types.js';
import { client, useConsole } from '../app.js';
import { Empty } from '../components/Empty.js';

const THIS_MACHINE = '127.0.0.1';
const KEYS = Object.keys(SCHEMA) as ConfigKey[];
/** Keys the relay applies at once by moving its listeners; the rest wait for the next start. */
const LIVE: readonly ConfigKey[] = ['host', 'port', 'listeners'];
const LISTENING: readonly ConfigKey[] = ['host', 'port', 'defaultProtocol', 'listeners'];
/** The schema names each protocol's keys after it: msgRelayMaxFrameBytes, channelstreamSecret… */
const PREFIXES: [string, string][] = PROTOCOLS.map((p) => [p, p.replace(/-(\w)/g, (_m, c: string) => c.toUpperCase())]);

const isSecret = (key: string): boolean => /secret|passphrase|token/i.test(key);
const protocolOf = (key: string): string | undefined => PREFIXES.find(([, prefix]) => key.startsWith(prefix))?.[0];

/** The schema's keys in sections: listening, limits and the rest, then one section per protocol. */
const SECTIONS: [string, ConfigKey[]][] = [
  ['Listening', [...LISTENING]],
  ['Limits, logging and access', KEYS.filter((k) => !LISTENING.includes(k) && !protocolOf(k))],
  ...PROTOCOLS.map((p): [string, ConfigKey[]] => [p, KEYS.filter((k) => protocolOf(k) === p)]),
];

function shown(value: Config[ConfigKey]): string {
  return Array.isArray(value) ? value.join(', ') : String(value);
}

/** What the form holds, as the relay takes it; a number that is not one is sent as typed, so the relay names the key. */
function parsed(spec: KeySpec, text: string): unknown {
  if (spec.type === 'int') return /^-?\d+$/.test(text.trim()) ? Number(text) : text;
  if (spec.type === 'bool') return text === 'true';
  if (spec.type === 'list') return text.split(/[\s,]+/).filter(Boolean);
  return text;
}

/** Where a value came from, when the environment or a flag set it: it wins again at the next start. */
function SourceTag({ source }: { source: SettingSource }) {
  const what = source.from === 'environment' ? 'the environment variable' : 'the flag';
  return (
    <span className="tag" title={`Set by ${what} ${source.name} at start. A change here applies now, but ${source.name} sets it again at the next start.`}>
      from {source.name}
    </span>
  );
}

function Field({ name, value, onChange, pending, source }: { name: ConfigKey; value: string; onChange(v: string): void; pending: boolean; source: SettingSource | undefined }) {
  const spec: KeySpec = SCHEMA[name];
  // A secret the relay generated (shared on the LAN) is read here, so it can be shown on request.
  const [revealed, setRevealed] = useState(false);
  const secret = isSecret(name);
  const control =
    spec.type === 'bool' ? (
      <input type="checkbox" checked={value === 'true'} onChange={(e) => onChange(String(e.target.checked))} aria-label={name} />
    ) : spec.type === 'enum' ? (
      <select value={value} onChange={(e) => onChange(e.target.value)} aria-label={name}>
        {spec.values.map((v) => (
          <option key={v}>{v}</option>
        ))}
      </select>
    ) : (
      <input
        type={secret && !revealed ? 'password' : 'text'}
        inputMode={spec.type === 'int' ? 'numeric' : undefined}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        aria-label={name}
        autoComplete="off"
        spellCheck={false}
      />
    );
  return (
    <div className="setting">
      <div className="label-row">
        <code>{name}</code>
        {source && <SourceTag source={source} />}
        {pending ? <span className="tag warn">at next start</span> : LIVE.includes(name) && <span className="tag">applies at once</span>}
      </div>
      {secret ? (
        <div className="row">
          {control}
          <button type="button" className="btn" aria-label={`Show ${name}`} aria-pressed={revealed} onClick={() => setRevealed(!revealed)}>
            {revealed ? 'Hide' : 'Show'}
          </button>
        </div>
      ) : (
        control
      )}
      <p className="muted small">{spec.doc}</p>
    </div>
  );
}

/** Every key of the relay's settings, changed through getSettings' shape and updateSettings. */
export function Settings() {
  const snapshot = useConsole((s) => s.snapshot);
  const pending = useConsole((s) => s.pending);
  const addPending = useConsole((s) => s.addPending);
  const [edits, setEdits] = useState<Partial<Record<ConfigKey, string>>>({});
  const [status, setStatus] = useState<{ ok: boolean; text: string } | null>(null);
  /** One change at a time: a second click must not repeat one the relay is still applying. */
  const [busy, setBusy] = useState(false);
  if (!snapshot) return <Empty title="Connecting to the relay…" />;
  const settings = snapshot.settings;
  const sources = snapshot.settingSources;
  const value = (k: ConfigKey): string => edits[k] ?? shown(settings[k]);
  const changed = (Object.keys(edits) as ConfigKey[]).filter((k) => edits[k] !== shown(settings[k]));
  const shared = bindsAllInterfaces(settings.host);

  const save = async (patch: Partial<Record<ConfigKey, unknown>>): Promise<void> => {
    setBusy(true);
    try {
      const r = await client.request('updateSettings', { patch: patch as Partial<Config> });
      addPending(r.pending);
      setEdits({});
      const later = r.pending.length ? ` Applies at the next start: ${r.pending.join(', ')}.` : '';
      setStatus({ ok: true, text: `Saved.${r.restarted ? ' The listeners moved; open connections stay.' : ''}${later}` });
    } catch (err) {
      setStatus({ ok: false, text: (err as Error).message });
    } finally {
      setBusy(false);
    }
  };
  const saveEdits = (): Promise<void> => save(Object.fromEntries(changed.map((k) => [k, parsed(SCHEMA[k], edits[k]!)])));

  return (
    <div className="view scroll settings">
      <div className="card form">
        <header className="card-head">
          <h2>Settings</h2>
          <div className="row">
            <label className="inline">
              <input type="checkbox" checked={shared} disabled={busy} onChange={() => void save({ host: shared ? THIS_MACHINE : ALL_INTERFACES })} />
              Share on LAN
            </label>
            <button className="btn" disabled={changed.length === 0} onClick={() => setEdits({})}>
              Discard
            </button>
            <button className="btn primary" disabled={busy || changed.length === 0} onClick={() => void saveEdits()}>
              Save {changed.length > 0 ? `${changed.length} change${changed.length === 1 ? '' : 's'}` : ''}
            </button>
          </div>
        </header>
        {status && (
          <p className={status.ok ? 'ok' : 'error'} role={status.ok ? 'status' : 'alert'}>
            {status.text}
          </p>
        )}
        {pending.length > 0 && (
          <p className="warn" aria-label="Pending until restart">
            Pending until the relay restarts: {pending.join(', ')}
          </p>
        )}
        {SECTIONS.map(([title, keys]) => (
          <section key={title} aria-label={title}>
            <h3>{title}</h3>
            <div className="settings-grid">
              {keys.map((k) => (
                <Field key={k} name={k} value={value(k)} pending={pending.includes(k)} source={sources[k]} onChange={(v) => setEdits((e) => ({ ...e, [k]: v }))} />
              ))}
            </div>
          </section>
        ))}
      </div>
    </div>
  );
}
