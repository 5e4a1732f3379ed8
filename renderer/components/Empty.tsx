import type { ReactNode } from 'react';

/** An empty state that says what to do next. */
export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="empty">
      <div className="empty-title">{title}</div>
      {children && <div className="empty-hint">{children}</div>}
    </div>
  );
}
