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

/** The relay's event log: closes, errors and drops, kept (bounded) for the console and passed to listeners. */
export class EventLog {
  private readonly entries: LogEntry[] = [];
  private readonly listeners = new Set<Listener>();

  constructor(private readonly capacity = 1000) {}

  add(level: LogLevel, event: string, message: string, fields: Omit<LogEntry, 'ts' | 'level' | 'event' | 'message'> = {}): LogEntry {
    const entry: LogEntry = { ts: Date.now(), level, event, message, ...fields };
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
