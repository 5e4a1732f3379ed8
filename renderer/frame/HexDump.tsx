import { VirtualList } from '../components/VirtualList.js';

const WIDTH = 16;
const ROW = 18;

/** Bytes as a hex dump: offset, sixteen bytes, and their printable ASCII. Only the rows on screen render. */
export function HexDump({ bytes }: { bytes: Uint8Array }) {
  const rows = Math.ceil(bytes.length / WIDTH);
  return (
    <div className="hexdump mono" style={{ height: Math.min(rows, 24) * ROW + 4 }}>
      <VirtualList label="Hex dump" count={rows} rowHeight={ROW} row={(i) => <span className="hex-row">{hexLine(bytes, i * WIDTH)}</span>} />
    </div>
  );
}

/** One line of the dump: "00000010  7b 22 61 22 ...  {"a"...". */
export function hexLine(bytes: Uint8Array, at: number): string {
  let hex = '';
  let ascii = '';
  for (let k = 0; k < WIDTH; k++) {
    const b = bytes[at + k];
    hex += b === undefined ? '   ' : `${b.toString(16).padStart(2, '0')} `;
    if (k === 7) hex += ' ';
    if (b !== undefined) ascii += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.';
  }
  return `${at.toString(16).padStart(8, '0')}  ${hex} ${ascii}`;
}
