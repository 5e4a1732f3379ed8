/**
 * The capture file format, version 1 (docs/capture.md): JSON Lines, a header line, then one
 * record per line. Pure code with no Node imports, so the console's renderer reads captures with
 * the same definitions the relay writes them with.
 */
import type { ProtocolName } from '../config/schema.js';

export const CAPTURE_FORMAT = 'switchboard-capture';
export const CAPTURE_VERSION = 1;

/** What a capture never holds, said in its header so a reader knows the handshakes are not whole. */
export const REDACTED =
  'Authorization, Cookie and X-Channelstream-Secret headers are not recorded, nor the values of the token, secret and passphrase query parameters; records that lost one list it in "stripped".';

export interface CaptureHeader {
  format: typeof CAPTURE_FORMAT;
  version: typeof CAPTURE_VERSION;
  /** When recording began; every record's `t` counts microseconds from here. */
  started: string;
  startedMs: number;
  /** Who started it: `switchboard serve --record`, or an operator in the console. */
  by: 'cli' | 'console';
  relay: { version: string; protocols: ProtocolName[] };
  bounds: { maxBytes: number; maxSeconds: number };
  redacted: string;
}

/** A frame's content: text as it is, binary frames as base64. */
export interface FrameContent {
  text?: string;
  base64?: string;
}

interface Base {
  /** Microseconds since the header's `started`. */
  t: number;
  protocol: ProtocolName;
}

/** A client connected. `peer` is the relay's key for it, unique in the capture; `id` is its wire id. */
export interface OpenRecord extends Base {
  type: 'open';
  peer: string;
  id: string;
  remote: string;
  /** The handshake's path and query (without the stripped parameters), as the client sent them. */
  path: string;
  query: string;
  /** The headers that shape a session (relay/http/handshake.ts lists them), lowercase names. */
  headers: Record<string, string>;
  /** Names of the secrets left out of this handshake: headers, and query parameters as `?name`. */
  stripped?: string[];
  meta?: unknown;
}

export interface CloseRecord extends Base {
  type: 'close';
  peer: string;
  id: string;
  code: number;
  reason: string;
  by: 'relay' | 'client';
}

/** A frame a client sent, whole; `refused` says why the relay would not take it. */
export interface InRecord extends Base, FrameContent {
  type: 'in';
  peer: string;
  id: string;
  room: string | null;
  /** What it was addressed to when the relay did not pass it on: "relay" for a command, an id nobody holds. */
  to?: string | null;
  size: number;
  /** The close code and reason the relay gave. */
  refused?: string;
}

/**
 * A frame the relay sent: a client's frame passed on, one the relay made, or an operator's. The
 * same bytes to many recipients are one record; a frame made for each recipient is one record each.
 */
export interface OutRecord extends Base, FrameContent {
  type: 'out';
  /** The sending peer's key, or "relay" or "operator". */
  from: string;
  room: string | null;
  /** Keys of the peers it was sent to. */
  to: string[];
  /** Keys of the peers it was meant for whose send queue was full, and the close that followed. */
  dropped?: string[];
  reason?: string;
  size: number;
}

/**
 * A call to a protocol's HTTP API (channelstream's REST), which is how its backends send. Spelled
 * out rather than derived from the relay's own RequestEvent: the file format is versioned, and
 * must not change when an internal event does.
 */
export interface HttpRecord extends Base {
  type: 'http';
  method: string;
  path: string;
  query: string;
  remote: string;
  body: string;
  status: number;
  response: string;
  stripped?: string[];
}

/** The last line: why the capture ended. */
export interface EndRecord {
  t: number;
  type: 'end';
  reason: string;
  /** Records before this line, the header not counted. */
  records: number;
  /** Bytes of the file before this line. */
  bytes: number;
}

export type CaptureRecord = OpenRecord | CloseRecord | InRecord | OutRecord | HttpRecord | EndRecord;

/** Query parameters that carry credentials. */
export const SECRET_PARAMS: readonly string[] = ['token', 'secret', 'passphrase'];

/** A query string without its secret parameters, and the names of those it dropped (as `?name`). */
export function stripQuery(query: string): { query: string; stripped: string[] } {
  const params = new URLSearchParams(query);
  const stripped: string[] = [];
  for (const name of SECRET_PARAMS)
    if (params.has(name)) {
      params.delete(name);
      stripped.push(`?${name}`);
    }
  return { query: stripped.length ? params.toString() : query.replace(/^\?/, ''), stripped };
}

/** A recorded frame's bytes, for a replay to send; binary comes back as binary. */
export function frameBytes(c: FrameContent): { data: string | Uint8Array; binary: boolean } {
  return c.base64 !== undefined ? { data: fromBase64(c.base64), binary: true } : { data: c.text ?? '', binary: false };
}

/** A malformed capture line: names the line and what is wrong with it. */
export class CaptureFormatError extends Error {
  override name = 'CaptureFormatError';
}

const RECORD_TYPES = new Set(['open', 'close', 'in', 'out', 'http', 'end']);

export function parseHeader(line: string): CaptureHeader {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new CaptureFormatError('line 1: not JSON; a capture starts with its header line');
  }
  const h = value as Partial<CaptureHeader> | null;
  if (typeof h !== 'object' || h === null || h.format !== CAPTURE_FORMAT) throw new CaptureFormatError(`line 1: not a Switchboard capture (no "format": "${CAPTURE_FORMAT}")`);
  if (h.version !== CAPTURE_VERSION) throw new CaptureFormatError(`line 1: capture version ${String(h.version)} is not one this build reads (it reads ${CAPTURE_VERSION})`);
  return h as CaptureHeader;
}

export function parseRecord(line: string, lineNo: number): CaptureRecord {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new CaptureFormatError(`line ${lineNo}: not JSON`);
  }
  const r = value as { type?: unknown; t?: unknown } | null;
  if (typeof r !== 'object' || r === null || typeof r.type !== 'string' || !RECORD_TYPES.has(r.type)) throw new CaptureFormatError(`line ${lineNo}: not a capture record (unknown "type")`);
  if (typeof r.t !== 'number') throw new CaptureFormatError(`line ${lineNo}: a record needs its time "t" in microseconds`);
  return r as CaptureRecord;
}

export interface Capture {
  header: CaptureHeader;
  records: CaptureRecord[];
}

/**
 * A whole capture from its text. A last line cut short (a relay that died mid-write) is left
 * out rather than failing the file: everything before it is still good.
 */
export function parseCapture(text: string): Capture {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const header = parseHeader(lines[0] ?? '');
  const records: CaptureRecord[] = [];
  for (let i = 1; i < lines.length; i++) {
    if (lines[i] === '') continue;
    try {
      records.push(parseRecord(lines[i]!, i + 1));
    } catch (err) {
      if (i === lines.length - 1 && !text.endsWith('\n')) break;
      throw err;
    }
  }
  return { header, records };
}

function fromBase64(b64: string): Uint8Array {
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}
