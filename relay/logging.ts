import { fstatSync } from 'node:fs';
import { LOG_LEVELS, type Config } from './config/schema.js';
import type { LogEntry, LogLevel } from './core/log.js';
import type { Relay } from './relay.js';

export interface LineStyle {
  format: Config['logFormat'];
  /** Prefix text lines with journald's "<N>" priority (sd-daemon(3)), so `journalctl -p` filters them. */
  journal: boolean;
}

const PRIORITY: Record<LogLevel, number> = { debug: 7, info: 6, warn: 4, error: 3 };

/** Control characters (a client's close reason may hold a newline) would split or forge lines. */
const escapeControls = (text: string): string => text.replace(/\p{Cc}/gu, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);

/**
 * One event as one line, without the newline. Text keeps the CLI's historic shape
 * ("switchboard: msg-relay on ws://…") and names the level when it is not info; in the
 * journal, which names the program itself, the priority replaces the "switchboard: ".
 */
export function formatLine(entry: LogEntry, style: LineStyle): string {
  if (style.format === 'json') return JSON.stringify({ ...entry, ts: new Date(entry.ts).toISOString() });
  const prefix = style.journal ? `<${PRIORITY[entry.level]}>` : 'switchboard: ';
  const level = entry.level === 'info' ? '' : `${entry.level}: `;
  return `${prefix}${level}${escapeControls(entry.message)}`;
}

/** Whether this descriptor is the systemd journal: systemd names its device and inode in JOURNAL_STREAM (systemd.exec(5)). */
export function isJournal(fd: number, env: NodeJS.ProcessEnv): boolean {
  const m = /^(\d+):(\d+)$/.exec(env.JOURNAL_STREAM ?? '');
  if (!m) return false;
  try {
    const st = fstatSync(fd, { bigint: true });
    return st.dev === BigInt(m[1]!) && st.ino === BigInt(m[2]!);
  } catch {
    return false;
  }
}

/** Writes events at or above a level, one line each. */
export class LogWriter {
  private readonly least: number;

  constructor(
    private readonly write: (line: string) => void,
    level: LogLevel,
    private readonly style: LineStyle,
  ) {
    this.least = LOG_LEVELS.indexOf(level);
  }

  enabled(level: LogLevel): boolean {
    return LOG_LEVELS.indexOf(level) >= this.least;
  }

  log(entry: LogEntry): void {
    if (this.enabled(entry.level)) this.write(formatLine(entry, this.style) + '\n');
  }

  /** An event of the process itself (a signal, a stop), shaped like the relay's own. */
  event(level: LogLevel, event: string, message: string, fields: Omit<LogEntry, 'ts' | 'level' | 'event' | 'message'> = {}): void {
    this.log({ ts: Date.now(), level, event, message, ...fields });
  }
}

/**
 * Writes the relay's event log (listeners, closes, drops, errors) and, at debug, every
 * connection with its client address. Returns a function that stops writing.
 */
export function writeRelayLog(relay: Relay, out: LogWriter): () => void {
  const offLog = relay.log.subscribe((entry) => out.log(entry));
  const offPresence = relay.hub.onPresence({
    joined(peer) {
      if (!out.enabled('debug')) return;
      out.event('debug', 'open', `${peer.protocol} ${peer.id} connected from ${peer.remote}`, { protocol: peer.protocol, peer: peer.id, remote: peer.remote });
    },
  });
  return () => {
    offLog();
    offPresence();
  };
}
