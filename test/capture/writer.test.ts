import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CAPTURE_FORMAT, CAPTURE_VERSION, REDACTED, parseCapture, type CaptureHeader, type EndRecord } from '../../relay/capture/format.js';
import { CaptureWriter, type CaptureBounds, type CaptureStatus } from '../../relay/capture/writer.js';

const header = (): CaptureHeader => ({
  format: CAPTURE_FORMAT,
  version: CAPTURE_VERSION,
  started: new Date().toISOString(),
  startedMs: Date.now(),
  by: 'cli',
  relay: { version: 'test', protocols: ['msg-relay'] },
  bounds: { maxBytes: 0, maxSeconds: 0 },
  redacted: REDACTED,
});
const bounds = (b: Partial<CaptureBounds> = {}): CaptureBounds => ({ maxBytes: 1024 * 1024, maxSeconds: 60, maxBacklogBytes: 1024 * 1024, ...b });
const dir = (): string => mkdtempSync(join(tmpdir(), 'switchboard-capture-'));

const frame = (i: number, text = `{"to":"x","n":${i}}`) =>
  ({ t: i, type: 'in', protocol: 'msg-relay', peer: 'p1', id: 'a', room: 'g', size: text.length, text }) as const;

const ended = (w: CaptureWriter): Promise<CaptureStatus> => new Promise((resolve) => w.onEnd(resolve));

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

describe('CaptureWriter', () => {
  it('writes the header, every record and an end line that says why it stopped', async () => {
    const file = join(dir(), 'c.jsonl');
    const w = await CaptureWriter.create(file, header(), bounds());
    for (let i = 0; i < 1000; i++) w.write(frame(i));
    await w.end('stopped by the test');
    const capture = parseCapture(readFileSync(file, 'utf8'));
    expect(capture.header.format).toBe('switchboard-capture');
    expect(capture.records).toHaveLength(1001);
    expect(capture.records[999]).toMatchObject({ type: 'in', text: '{"to":"x","n":999}' });
    const end = capture.records[1000] as EndRecord;
    expect(end).toMatchObject({ type: 'end', reason: 'stopped by the test', records: 1000 });
    expect(end.bytes + readFileSync(file, 'utf8').split('\n').at(-2)!.length + 1).toBe(statSync(file).size);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(w.status()).toMatchObject({ state: 'ended', records: 1000, reason: 'stopped by the test' });
  });

  it('stops at its size bound and keeps the file under it', async () => {
    const file = join(dir(), 'c.jsonl');
    const w = await CaptureWriter.create(file, header(), bounds({ maxBytes: 64 * 1024 }));
    const done = ended(w);
    for (let i = 0; i < 10_000 && w.recording; i++) w.write(frame(i, 'x'.repeat(100)));
    expect((await done).reason).toBe('size limit reached: 65536 bytes');
    await w.end('too late');
    expect(statSync(file).size).toBeLessThanOrEqual(64 * 1024);
    const last = parseCapture(readFileSync(file, 'utf8')).records.at(-1);
    expect(last).toMatchObject({ type: 'end', reason: 'size limit reached: 65536 bytes' });
  });

  it('stops at its time bound', async () => {
    const file = join(dir(), 'c.jsonl');
    const w = await CaptureWriter.create(file, header(), bounds({ maxSeconds: 1 }));
    w.write(frame(1));
    expect((await ended(w)).reason).toBe('time limit reached: 1 s');
    await w.end('ignored');
    expect(parseCapture(readFileSync(file, 'utf8')).records.at(-1)).toMatchObject({ type: 'end', reason: 'time limit reached: 1 s', records: 1 });
  });

  it('stops with a reason instead of growing when the disk does not keep up', async () => {
    // A pipe whose reader never reads: the first writes fill it, then every write waits.
    const fifo = join(dir(), 'stuck');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const reader = spawn('sh', ['-c', `exec sleep 30 < '${fifo}'`]);
    cleanups.push(() => reader.kill('SIGKILL'));
    const w = await CaptureWriter.create(fifo, header(), bounds({ maxBacklogBytes: 256 * 1024 }));
    const done = ended(w);
    const line = 'y'.repeat(1000);
    for (let i = 0; i < 100_000 && w.recording; i++) {
      w.write(frame(i, line));
      if (i % 100 === 0) await new Promise((r) => setTimeout(r, 5));
    }
    expect((await done).reason).toBe('the disk could not keep up: over 262144 bytes were waiting to be written');
    expect(w.recording).toBe(false);
    reader.kill('SIGKILL');
    await w.end('closed');
  });

  it('stops with the error when a write fails', async () => {
    const w = await CaptureWriter.create('/dev/full', header(), bounds());
    const done = ended(w);
    for (let i = 0; i < 10 && w.recording; i++) w.write(frame(i, 'z'.repeat(64 * 1024)));
    expect((await done).reason).toBe('cannot write the capture file: ENOSPC');
  });

  it('names a path it cannot create', async () => {
    await expect(CaptureWriter.create(join(dir(), 'no', 'such', 'dir.jsonl'), header(), bounds())).rejects.toThrow(/cannot write the capture file ".*dir\.jsonl": ENOENT/);
  });
});
