import { useState } from 'react';
import type { LogLevel } from '../../relay/console/types.js';
import { useConsole } from '../app.js';
import { Empty } from '../components/Empty.js';
import { Table } from '../components/Table.js';
import { clock } from '../format.js';

const ROW = 28;
const LEVELS: LogLevel[] = ['debug', 'info', 'warn', 'error'];

export function Log() {
  const log = useConsole((s) => s.log);
  const [text, setText] = useState('');
  const [level, setLevel] = useState<LogLevel>('info');
  const min = LEVELS.indexOf(level);
  const needle = text.toLowerCase();
  const shown = log.filter((e) => LEVELS.indexOf(e.level) >= min && (!needle || `${e.event} ${e.message}`.toLowerCase().includes(needle)));
  return (
    <div className="view">
      <div className="main-col">
        <div className="toolbar">
          <input className="search" data-search placeholder="Search the log  ( / )" value={text} onChange={(e) => setText(e.target.value)} />
          <select value={level} onChange={(e) => setLevel(e.target.value as LogLevel)} aria-label="Level">
            {LEVELS.map((l) => (
              <option key={l} value={l}>
                {l} and above
              </option>
            ))}
          </select>
          <span className="muted">{shown.length} entries, newest first</span>
        </div>
        <Table
          label="Log"
          cols="log-cols"
          columns={[{ label: 'Time' }, { label: 'Level' }, { label: 'Event' }, { label: 'Message' }]}
          count={shown.length}
          rowHeight={ROW}
          empty={
            <Empty title={log.length === 0 ? 'The log is empty' : 'No entry matches'}>
              {log.length === 0 ? 'Closes with their codes and reasons, errors and drops are listed here as they happen.' : 'Lower the level or clear the search.'}
            </Empty>
          }
          row={(i) => {
            const e = shown[i]!;
            return (
              <div className={`trow log-cols level-${e.level}`} title={e.message}>
                <span className="mono muted">{clock(e.ts)}</span>
                <span>
                  <span className={`badge level-${e.level}`}>{e.level}</span>
                </span>
                <span className="mono">{e.event}</span>
                <span className="ellipsis">{e.message}</span>
              </div>
            );
          }}
        />
      </div>
    </div>
  );
}
