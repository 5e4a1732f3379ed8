import { useState } from 'react';

/** Copies a text to the clipboard and says so for a moment. */
export function CopyButton({ text, label = 'Copy' }: { text: string; label?: string }) {
  const [done, setDone] = useState<'copied' | 'failed' | null>(null);
  const copy = (): void => {
    navigator.clipboard.writeText(text).then(
      () => setDone('copied'),
      () => setDone('failed'),
    );
    setTimeout(() => setDone(null), 1200);
  };
  return (
    <button className="btn ghost small copy" onClick={copy} title={label} aria-label={label}>
      {done ?? 'copy'}
    </button>
  );
}
