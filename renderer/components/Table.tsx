import type { ReactNode } from 'react';
import { VirtualList } from './VirtualList.js';

export interface Column {
  label: string;
  /** Right-aligned, for numbers. */
  num?: boolean;
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
}

/** A header over a virtualized list, or an empty state that says what to do. */
export function Table({ label, columns, cols, count, rowHeight, row, onRange, empty, className = 'table' }: Props) {
  return (
    <div className={className}>
      <div className={`thead ${cols}`}>
        {columns.map((c) => (
          <span key={c.label} className={c.num ? 'num' : undefined}>
            {c.label}
          </span>
        ))}
      </div>
      {count === 0 ? empty : <VirtualList label={label} count={count} rowHeight={rowHeight} row={row} onRange={onRange} />}
    </div>
  );
}
