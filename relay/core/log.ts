export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface LogEntry {
  ts: number;
  level: LogLevel;
  /** A short machine-readable name: listen, close, drop, error, ... */
  event: string;
  message: string;
  protocol?: string;
  peer?: string;
  code?: number;
  reason?: string;
  /** The client's address, as settled under the trustProxy setting. */
  remote?: string;
  /** Where a listener can be reached, for machines reading the log. */
  urls?: readonly string[];
}

type Listener = (entry: LogEntry) => void;

/**
 * The most characters an entry keeps of its message and of its reason. Both often quote what a
 * client sent (a refused Origin, a request target), which the 64 KiB header cap alone would let
 * fill every entry of the log, every console's Log and the printed output with two copies of
 * 64 KB per request; a stack trace fits well within it.
 */
export const MAX_LOG_TEXT = 4096;

const clipped = (text: string): string => (text.length <= MAX_LOG_TEXT ? text : `${text.slice(0, MAX_LOG_TEXT)}… (${text.length - MAX_LOG_TEXT} more characters)`);

/** The relay's event log: closes, errors and drops, kept (bounded) for the console and passed to listeners. */
export class EventLog {
  private readonly entries: LogEntry[] = [];
  private readonly listeners = new Set<Listener>();

  constructor(private readonly capacity = 1000) {}

  add(level: LogLevel, event: string, message: string, fields: Omit<LogEntry, 'ts' | 'level' | 'event' | 'message'> = {}): LogEntry {
    const entry: LogEntry = { ts: Date.now(), level, event, message: clipped(message), ...fields };
    if (entry.reason !== undefined) entry.reason = clipped(entry.reason);
    this.entries.push(entry);
    if (this.entries.length > this.capacity) this.entries.splice(0, this.entries.length - this.capacity);
    for (const l of this.listeners) l(entry);
    return entry;
  }

  recent(limit = this.capacity): LogEntry[] {
    return this.entries.slice(-limit);
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
