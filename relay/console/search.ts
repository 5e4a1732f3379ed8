import { createContext, Script } from 'node:vm';
import type { TapRead, TrafficRecord, TrafficTap } from '../core/tap.js';
import type { TrafficFilter } from './types.js';

/** A filter the relay cannot run. Named as a ConsoleError is, so the console shows its message as it is. */
export class SearchError extends Error {
  override name = 'ConsoleError';
}

/**
 * What one pass of a filtered read may look at, so that a search never holds the event loop:
 * records and frame bytes. A reader further behind catches up over the next passes, and past
 * the tap's length it is told how many records it skipped.
 */
export const SCAN_RECORDS = 5000;
export const SCAN_BYTES = 4 * 1024 * 1024;
/**
 * A regular expression's time for one pass over at most SCAN_BYTES. A pattern that backtracks
 * without end (`(a+)+b`) is stopped here, and the search ends with an error, instead of the relay.
 */
export const REGEX_MS = 50;

export interface ScanResult {
  records: TrafficRecord[];
  /** Records that were overwritten before the scan got to them. */
  skipped: number;
  /** Where the next pass starts. */
  next: number;
}

/**
 * A traffic filter, compiled once: cheap fields first, then text or a regular expression over
 * whole frames (and close reasons), in bounded passes over the tap.
 */
export class TrafficSearch {
  /** The filter lets every record through. */
  readonly all: boolean;
  private readonly lower: string;
  private readonly regex: RegExp | undefined;

  constructor(readonly filter: TrafficFilter) {
    const text = filter.text ?? '';
    this.lower = filter.regex ? '' : text.toLowerCase();
    this.regex = filter.regex && text ? compile(text) : undefined;
    this.all =
      !filter.protocol && !filter.room && !filter.peer && !filter.kinds?.length && !text && filter.minSize === undefined && filter.maxSize === undefined;
  }

  /** The records from `from` on that pass the filter, as far as one bounded pass reaches. */
  scan(tap: TrafficTap, from: number, maxRecords = SCAN_RECORDS): ScanResult {
    const read: TapRead = tap.read(from, maxRecords);
    if (this.all) return read;
    const out: TrafficRecord[] = [];
    const texts: string[] = [];
    const candidates: TrafficRecord[] = [];
    let bytes = 0;
    let next = read.next;
    for (const r of read.records) {
      if (!this.fields(tap, r)) continue;
      if (!this.lower && !this.regex) {
        out.push(r);
        continue;
      }
      const frame = tap.frame(r.seq)!;
      if (bytes > 0 && bytes + frame.bytes.length > SCAN_BYTES) {
        next = r.seq;
        break;
      }
      bytes += frame.bytes.length;
      const body = frame.bytes.toString(frame.binary ? 'latin1' : 'utf8');
      const text = r.reason ? `${body}\n${r.reason}` : body;
      if (this.regex) {
        candidates.push(r);
        texts.push(text);
      } else if (text.toLowerCase().includes(this.lower)) out.push(r);
    }
    if (this.regex && candidates.length > 0) {
      const hits = boundedTest(this.regex, texts);
      for (let k = 0; k < candidates.length; k++) if (hits[k]) out.push(candidates[k]!);
    }
    return { records: out, skipped: read.skipped, next };
  }

  private fields(tap: TrafficTap, r: TrafficRecord): boolean {
    const f = this.filter;
    if (f.protocol && r.protocol !== f.protocol) return false;
    if (f.room && r.room !== f.room) return false;
    if (f.kinds && f.kinds.length > 0 && !f.kinds.includes(r.kind)) return false;
    if (f.minSize !== undefined && r.size < f.minSize) return false;
    if (f.maxSize !== undefined && r.size > f.maxSize) return false;
    if (f.peer && !tap.involves(r.seq, f.peer)) return false;
    return true;
  }
}

/** A pattern's length is bounded by the console's parameter checks (MAX_FILTER_TEXT). */
function compile(pattern: string): RegExp {
  try {
    return new RegExp(pattern, 'i');
  } catch (err) {
    throw new SearchError(`not a regular expression: ${(err as Error).message}`);
  }
}

// One context for every search: the watchdog behind `timeout` is what can stop a running regex.
const sandbox = createContext({ re: /./, texts: [] as string[], hits: [] as boolean[] });
const testAll = new Script('hits = texts.map((t) => re.test(t))');

/** re.test on each text, stopped after REGEX_MS. */
function boundedTest(re: RegExp, texts: string[]): boolean[] {
  sandbox.re = re;
  sandbox.texts = texts;
  try {
    testAll.runInContext(sandbox, { timeout: REGEX_MS });
    return sandbox.hits as boolean[];
  } catch {
    throw new SearchError(`the regular expression took over ${REGEX_MS} ms on ${texts.length} frames, so the search stopped: make it simpler`);
  } finally {
    sandbox.texts = [];
    sandbox.hits = [];
  }
}
