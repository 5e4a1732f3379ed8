import type { ReactNode } from 'react';

interface Props {
  /** The panel's accessible name. */
  label: string;
  title: ReactNode;
  /** Shows a close button when given. */
  onClose?(): void;
  /** Room for a frame's hex dump. */
  wide?: boolean;
  children: ReactNode;
}

/** The panel at the right of a view: a detail, members, history. */
export function Side({ label, title, onClose, wide, children }: Props) {
  return (
    <aside className={`side card${wide ? ' wide' : ''}`} aria-label={label}>
      <header className="card-head">
        <h2 className="ellipsis">{title}</h2>
        {onClose && (
          <button className="btn ghost" onClick={onClose} aria-label={`Close ${label.toLowerCase()}`}>
            ✕
          </button>
        )}
      </header>
      {children}
    </aside>
  );
}
