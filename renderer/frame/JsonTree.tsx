import { useState } from 'react';
import { CopyButton } from './CopyButton.js';

/** Children shown at first under an open node; the rest come a page at a time. */
const PAGE = 100;
/** Levels open when the tree first shows, for nodes of at most PAGE children. */
const OPEN_DEPTH = 3;

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** A JSON value as a tree: objects and arrays fold, every node copies its own JSON. Children render only when open. */
export function JsonTree({ value }: { value: Json }) {
  return (
    <div className="json-tree mono" role="tree" aria-label="JSON tree">
      <Node name={null} value={value} depth={0} />
    </div>
  );
}

function Node({ name, value, depth }: { name: string | null; value: Json; depth: number }) {
  const folds = typeof value === 'object' && value !== null;
  const [open, setOpen] = useState(() => depth === 0 || (depth < OPEN_DEPTH && folds && Object.keys(value).length <= PAGE));
  const [shown, setShown] = useState(PAGE);
  const label = name === null ? null : <span className="jt-key">{name}: </span>;
  if (!folds)
    return (
      <div className="jt-row" role="treeitem">
        <span className="jt-twist" />
        {label}
        <Leaf value={value} />
        <CopyButton text={JSON.stringify(value)} label={`Copy ${name ?? 'value'}`} />
      </div>
    );
  const entries: [string, Json][] = Array.isArray(value) ? value.map((v, i) => [String(i), v]) : Object.entries(value);
  const brackets = Array.isArray(value) ? ['[', ']'] : ['{', '}'];
  return (
    <div role="treeitem" aria-expanded={open}>
      <div className="jt-row">
        <button className="jt-twist" onClick={() => setOpen(!open)} aria-label={open ? 'Fold' : 'Unfold'}>
          {open ? '▾' : '▸'}
        </button>
        {label}
        <span className="jt-punct">{brackets[0]}</span>
        {!open && (
          <span className="muted">
            {' '}
            {entries.length} {Array.isArray(value) ? 'items' : 'keys'} {brackets[1]}
          </span>
        )}
        <CopyButton text={JSON.stringify(value, null, 2)} label={`Copy ${name ?? 'value'}`} />
      </div>
      {open && (
        <div className="jt-children" role="group">
          {entries.slice(0, shown).map(([k, v]) => (
            <Node key={k} name={k} value={v} depth={depth + 1} />
          ))}
          {entries.length > shown && (
            <button className="btn ghost small" onClick={() => setShown(shown + PAGE * 10)}>
              Show {Math.min(PAGE * 10, entries.length - shown)} more of {entries.length - shown}
            </button>
          )}
          <div className="jt-row">
            <span className="jt-twist" />
            <span className="jt-punct">{brackets[1]}</span>
          </div>
        </div>
      )}
    </div>
  );
}

function Leaf({ value }: { value: null | boolean | number | string }) {
  if (typeof value === 'string') return <span className="jt-str">{JSON.stringify(value)}</span>;
  if (typeof value === 'number') return <span className="jt-num">{value}</span>;
  return <span className="jt-lit">{String(value)}</span>;
}

/** The parsed JSON of a text, or undefined when it is not JSON. */
export function parseJson(text: string): { value: Json } | undefined {
  try {
    return { value: JSON.parse(text) as Json };
  } catch {
    return undefined;
  }
}
