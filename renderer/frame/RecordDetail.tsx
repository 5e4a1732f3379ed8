import type { TrafficRecord } from '../../relay/console/types.js';
import { Side } from '../components/Side.js';
import { bytes, clock } from '../format.js';
import { FrameView } from './FrameView.js';

/** A record's fields and its whole frame, in the panel at the right (Traffic and Flow). */
export function RecordDetail({ record, onClose }: { record: TrafficRecord; onClose(): void }) {
  return (
    <Side
      label="Message detail"
      wide
      title={
        <>
          <span className={`badge kind-${record.kind}`}>{record.kind}</span> #{record.seq}
        </>
      }
      onClose={onClose}
    >
      <dl className="fields">
        <dt>Time</dt>
        <dd>{new Date(record.ts).toLocaleString()} ({clock(record.ts)})</dd>
        <dt>Protocol</dt>
        <dd>{record.protocol}</dd>
        <dt>Room</dt>
        <dd>{record.room ?? '—'}</dd>
        <dt>From</dt>
        <dd className="mono">{record.from}</dd>
        <dt>To</dt>
        <dd className="mono">{record.to ?? `${record.recipients} recipients`}</dd>
        <dt>Size</dt>
        <dd>{bytes(record.size)}</dd>
        {record.code !== undefined && (
          <>
            <dt>Close</dt>
            <dd>
              {record.code} {record.reason}
            </dd>
          </>
        )}
      </dl>
      {record.size > 0 && <FrameView record={record} />}
    </Side>
  );
}
