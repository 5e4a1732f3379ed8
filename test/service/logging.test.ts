import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, fstatSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import type { LogEntry } from '../../relay/core/log.js';
import { LogWriter, formatLine, isJournal } from '../../relay/logging.js';
import { Client } from '../helpers/client.js';

const entry: LogEntry = { ts: Date.UTC(2026, 0, 2, 3, 4, 5), level: 'warn', event: 'close', message: 'msg-relay abc closed by relay: 1008 messages must be in JSON format', protocol: 'msg-relay', peer: 'abc', code: 1008, reason: 'messages must be in JSON format' };

describe('log lines', () => {
  it('text is one line for people, naming the level unless it is info', () => {
    expect(formatLine(entry, { format: 'text', journal: false })).toBe('switchboard: warn: msg-relay abc closed by relay: 1008 messages must be in JSON format');
    expect(formatLine({ ...entry, level: 'info', message: 'msg-relay on ws://127.0.0.1:8765/' }, { format: 'text', journal: false })).toBe('switchboard: msg-relay on ws://127.0.0.1:8765/');
  });

  it('text carries journald priorities when stdout is the journal', () => {
    expect(formatLine(entry, { format: 'text', journal: true })).toBe('<4>warn: msg-relay abc closed by relay: 1008 messages must be in JSON format');
    expect(formatLine({ ...entry, level: 'info', message: 'msg-relay on ws://127.0.0.1:8765/' }, { format: 'text', journal: true })).toBe('<6>msg-relay on ws://127.0.0.1:8765/');
    expect(formatLine({ ...entry, level: 'debug' }, { format: 'text', journal: true })).toMatch(/^<7>debug: /);
  });

  it('json is one object per line with every field and an ISO time', () => {
    const line = formatLine(entry, { format: 'json', journal: true });
    expect(JSON.parse(line)).toEqual({ ...entry, ts: '2026-01-02T03:04:05.000Z' });
  });

  it('a newline a client put in a close reason cannot split or forge a line', () => {
    const forged = { ...entry, message: 'closed: bye\nswitchboard: error: forged', reason: 'bye\nswitchboard: error: forged' };
    expect(formatLine(forged, { format: 'text', journal: false })).toBe('switchboard: warn: closed: bye\\x0aswitchboard: error: forged');
    expect(formatLine(forged, { format: 'json', journal: false })).not.toContain('\n');
  });

  it('the writer drops events below its level', () => {
    const lines: string[] = [];
    const out = new LogWriter((l) => lines.push(l), 'warn', { format: 'text', journal: false });
    out.event('info', 'listen', 'not shown');
    out.event('debug', 'open', 'not shown');
    out.log(entry);
    out.event('error', 'fatal', 'shown');
    expect(lines).toEqual([formatLine(entry, { format: 'text', journal: false }) + '\n', 'switchboard: error: shown\n']);
  });

  it('knows stdout is the journal only when JOURNAL_STREAM names that very file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchboard-journal-'));
    const fd = openSync(join(dir, 'stream'), 'w');
    const other = openSync(join(dir, 'other'), 'w');
    try {
      const st = fstatSync(fd);
      const env = { JOURNAL_STREAM: `${st.dev}:${st.ino}` };
      expect(isJournal(fd, env)).toBe(true);
      expect(isJournal(other, env)).toBe(false);
      expect(isJournal(fd, {})).toBe(false);
      expect(isJournal(fd, { JOURNAL_STREAM: 'junk' })).toBe(false);
    } finally {
      closeSync(fd);
      closeSync(other);
      rmSync(dir, { recursive: true });
    }
  });
});

// ---- the CLI, as systemd runs it

const CLI = new URL('../../dist/relay/cli.js', import.meta.url).pathname;
const EXAMPLE = new URL('../../deploy/switchboard.example.json', import.meta.url).pathname;

interface Serving {
  child: ChildProcess;
  /** The next stdout line that passes the test, or an error after 5 s. */
  line(test: (line: string) => boolean): Promise<string>;
  exited: Promise<number | null>;
}

function serve(args: string[], env: NodeJS.ProcessEnv = {}): Serving {
  const child = spawn(process.execPath, [CLI, 'serve', ...args], { env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let wake: (() => void) | undefined;
  createInterface({ input: child.stdout! }).on('line', (l) => {
    lines.push(l);
    wake?.();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  async function line(test: (line: string) => boolean): Promise<string> {
    const deadline = Date.now() + 5000;
    for (;;) {
      const i = lines.findIndex(test);
      if (i >= 0) return lines.splice(0, i + 1).pop()!;
      if (Date.now() > deadline) throw new Error(`no such line; saw ${JSON.stringify(lines)}`);
      await new Promise<void>((r) => {
        wake = r;
        setTimeout(r, 100);
      });
    }
  }
  return { child, line, exited };
}

let running: Serving | undefined;
afterEach(async () => {
  if (running && running.child.exitCode === null) {
    running.child.kill('SIGKILL');
    await running.exited;
  }
  running = undefined;
});

describe('switchboard serve with the example config', () => {
  it('prints one text line per listener with its URL', async () => {
    running = serve(['--config', EXAMPLE, '--port', '0']);
    const listen = await running.line((l) => l.includes(' on ws://'));
    expect(listen).toMatch(/^switchboard: msg-relay\b.* on ws:\/\/127\.0\.0\.1:\d+\/$/);
  });

  it('logs json events, the forwarded client address, and stops on SIGTERM closing sockets with 1001', async () => {
    running = serve(['--config', EXAMPLE, '--port', '0', '--log-format', 'json'], { SWITCHBOARD_LOG_LEVEL: 'debug' });
    const listen = JSON.parse(await running.line((l) => l.includes('"listen"'))) as LogEntry;
    expect(listen).toMatchObject({ level: 'info', event: 'listen' });
    const url = listen.urls![0]!;

    // The example trusts a proxy on loopback, so the header is believed.
    const client = await Client.open(`${url}msg-relay`, { headers: { 'x-forwarded-for': '203.0.113.9' } });
    const { connection_id: id } = await client.json<{ connection_id: string }>();
    const open = JSON.parse(await running.line((l) => l.includes('"open"'))) as LogEntry;
    expect(open).toMatchObject({ level: 'debug', event: 'open', protocol: 'msg-relay', peer: id, remote: '203.0.113.9' });

    running.child.kill('SIGTERM');
    expect(await client.closed).toEqual({ code: 1001, reason: 'Switchboard is shutting down' });
    expect(await running.exited).toBe(0);
    expect(JSON.parse(await running.line((l) => l.includes('"stop"')))).toMatchObject({ event: 'stop', message: 'SIGTERM, closing 1 connection(s)' });
    expect(JSON.parse(await running.line((l) => l.includes('"close"')))).toMatchObject({ event: 'close', peer: id, code: 1001 });
  });

  it('writes journald priorities when its stdout is the stream JOURNAL_STREAM names', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchboard-journal-'));
    const path = join(dir, 'journal');
    const fd = openSync(path, 'w');
    const st = fstatSync(fd);
    const child = spawn(process.execPath, [CLI, 'serve', '--port', '0'], { env: { PATH: process.env.PATH, JOURNAL_STREAM: `${st.dev}:${st.ino}` }, stdio: ['ignore', fd, 'ignore'] });
    closeSync(fd);
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      for (let i = 0; i < 100 && !readFileSync(path, 'utf8').includes('\n'); i++) await new Promise((r) => setTimeout(r, 50));
      expect(readFileSync(path, 'utf8')).toMatch(/^<6>msg-relay\b.* on ws:\/\/127\.0\.0\.1:\d+\/\n/);
    } finally {
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true });
    }
  });

  it('a bad setting stops it with exit status 2, naming the key', async () => {
    running = serve(['--config', EXAMPLE], { SWITCHBOARD_LOG_FORMAT: 'xml' });
    let stderr = '';
    running.child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    expect(await running.exited).toBe(2);
    expect(stderr).toContain('environment variable "SWITCHBOARD_LOG_FORMAT": expected one of text, json');
  });
});
