import { useEffect, useLayoutEffect, useRef, useState, type ReactNode } from 'react';

interface Props {
  count: number;
  rowHeight: number;
  row(index: number): ReactNode;
  /** Told which rows are on screen (for lists paged by the relay). */
  onRange?(first: number, last: number): void;
  className?: string;
  label: string;
}

const OVERSCAN = 8;

/** Renders only the rows on screen, so ten thousand rows cost what forty do. */
export function VirtualList({ count, rowHeight, row, onRange, className, label }: Props) {
  const ref = useRef<HTMLDivElement>(null);
  const [top, setTop] = useState(0);
  const [height, setHeight] = useState(600);

  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setHeight(el.clientHeight));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  const first = Math.max(0, Math.floor(top / rowHeight) - OVERSCAN);
  const last = Math.min(count, Math.ceil((top + height) / rowHeight) + OVERSCAN);
  useEffect(() => onRange?.(first, last), [first, last, onRange]);

  const rows: ReactNode[] = [];
  for (let i = first; i < last; i++)
    rows.push(
      <div key={i} className="vrow" style={{ top: i * rowHeight, height: rowHeight }}>
        {row(i)}
      </div>,
    );
  return (
    <div ref={ref} className={`vlist ${className ?? ''}`} role="list" aria-label={label} onScroll={(e) => setTop(e.currentTarget.scrollTop)}>
      <div style={{ height: count * rowHeight, position: 'relative' }}>{rows}</div>
    </div>
  );
}
