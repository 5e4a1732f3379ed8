import type { ProtocolName } from '../config/schema.js';
import type { SequenceDiff } from './diff.js';

/** What one re-created client received against the capture. */
export interface ClientReport extends SequenceDiff {
  /** The relay's key for it in the capture. */
  key: string;
  protocol: ProtocolName;
  capturedId: string;
  /** The id the relay gave it in the replay, when it got one. */
  replayedId: string | null;
  rooms: string[];
  expected: number;
  received: number;
  /** What went wrong outside the frames: a refused connection, a frame it could not send. */
  notes: string[];
}

/** A call to a protocol's HTTP API whose answer had another status than in the capture. */
export interface CallReport {
  method: string;
  path: string;
  expectedStatus: number;
  status: number;
  response: string;
}

export interface ReplayReport {
  url: string;
  speed: number;
  room: string | null;
  /** When the capture was started. */
  started: string;
  clients: ClientReport[];
  calls: CallReport[];
  /** Frames in the capture from clients it did not see connect, which could not be replayed. */
  unknownSenders: number;
  differed: boolean;
}

const PREVIEW = 160;

function preview(frame: string): string {
  const one = JSON.stringify(frame.length > PREVIEW ? frame.slice(0, PREVIEW) + '…' : frame);
  return one;
}

/** The report as a person reads it: one line per client, then each difference under it. */
export function formatReport(r: ReplayReport): string {
  const lines: string[] = [];
  lines.push(`replay of the capture started ${r.started} into ${r.url}, speed ${r.speed}${r.room === null ? '' : `, room ${JSON.stringify(r.room)}`}: ${r.clients.length} client(s)`);
  for (const c of r.clients) {
    const ids = c.replayedId === null || c.replayedId === c.capturedId ? c.capturedId : `${c.capturedId} -> ${c.replayedId}`;
    const counts = [c.missing.length && `${c.missing.length} missing`, c.extra.length && `${c.extra.length} extra`, c.reordered.length && `${c.reordered.length} reordered`].filter(Boolean);
    const verdict = counts.length === 0 && c.notes.length === 0 ? 'same' : counts.join(', ') || 'see notes';
    lines.push(`${c.protocol} ${c.key} (${ids})${c.rooms.length ? ` in ${c.rooms.join(', ')}` : ''}: ${c.expected} expected, ${c.received} received: ${verdict}`);
    for (const m of c.missing) lines.push(`  missing  #${m.index + 1} ${preview(m.frame)}`);
    for (const e of c.extra) lines.push(`  extra    #${e.index + 1} ${preview(e.frame)}`);
    for (const o of c.reordered) lines.push(`  reordered #${o.expectedIndex + 1} came as #${o.receivedIndex + 1} ${preview(o.frame)}`);
    for (const n of c.notes) lines.push(`  note: ${n}`);
  }
  for (const c of r.calls) lines.push(`${c.method} ${c.path}: answered ${c.status}, the capture has ${c.expectedStatus}: ${preview(c.response)}`);
  if (r.unknownSenders > 0) lines.push(`${r.unknownSenders} frame(s) came from clients that connected before the capture started: not replayed`);
  const sum = (k: 'missing' | 'extra' | 'reordered'): number => r.clients.reduce((n, c) => n + c[k].length, 0);
  const differing = r.clients.filter((c) => c.missing.length + c.extra.length + c.reordered.length + c.notes.length > 0).length;
  lines.push(
    r.differed
      ? `differences: ${sum('missing')} missing, ${sum('extra')} extra, ${sum('reordered')} reordered in ${differing} of ${r.clients.length} client(s)${r.calls.length ? `; ${r.calls.length} REST call(s) answered differently` : ''}`
      : 'no differences',
  );
  return lines.join('\n') + '\n';
}
