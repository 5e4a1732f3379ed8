import type { ReactNode } from 'react';
import { VirtualList } from './VirtualList.js';

export interface Column {
  label: string;
  /** Right-aligned, for numbers. */
  num?: boolean;
  /** The key a click on this header sorts by; a column without one does not sort. */
  sort?: string;
}

export interface SortOrder {
  key: string;
  desc: boolean;
}

interface Props {
  label: string;
  columns: Column[];
  /** The grid template class shared by the header and the rows. */
  cols: string;
  count: number;
  rowHeight: number;
  row(index: number): ReactNode;
  onRange?(first: number, last: number): void;
  /** Shown instead of the rows when there are none. */
  empty: ReactNode;
  className?: string;
  /** The order shown, and what a header click asks for (the same key again flips it). */
  sort?: SortOrder | null;
  onSort?(order: SortOrder): void;
}

/** A header over a virtualized list, or an empty state that says what to do. */
export function Table({ label, columns, cols, count, rowHeight, row, onRange, empty, className = 'table', sort, onSort }: Props) {
  return (
    <div className={className}>
      <div className={`thead ${cols}`}>
        {columns.map((c) => {
          const cls = c.num ? 'num' : undefined;
          if (!c.sort || !onSort)
            return (
              <span key={c.label} className={cls}>
                {c.label}
              </span>
            );
          const on = sort?.key === c.sort;
          return (
            <button
              key={c.label}
              className={`th-sort${cls ? ` ${cls}` : ''}${on ? ' on' : ''}`}
              aria-sort={on ? (sort!.desc ? 'descending' : 'ascending') : 'none'}
              onClick={() => onSort({ key: c.sort!, desc: on ? !sort!.desc : !!c.num })}
              title={`Sort by ${c.label.toLowerCase()}`}
            >
              {c.label}
              {on && <span aria-hidden="true">{sort!.desc ? ' ▾' : ' ▴'}</span>}
            </button>
          );
        })}
      </div>
      {count === 0 ? empty : <VirtualList label={label} count={count} rowHeight={rowHeight} row={row} onRange={onRange} />}
    </div>
  );
}

/** Compares two values for a sort: numbers as numbers, the rest as text. */
export function compareBy<T>(value: (item: T) => string | number | null | undefined, desc: boolean): (a: T, b: T) => number {
  return (a, b) => {
    const x = value(a) ?? '';
    const y = value(b) ?? '';
    const c = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
    return desc ? -c : c;
  };
}
