import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { Config, ProtocolName } from '../config/schema.js';
import type { RelayObserver } from '../core/observe.js';
import { CAPTURE_FORMAT, CAPTURE_VERSION, REDACTED, type CaptureHeader } from './format.js';
import { CaptureRecorder } from './recorder.js';
import { CaptureWriter, type CaptureStatus } from './writer.js';

export type { CaptureStatus };

/** A capture file this relay wrote, which the console may download or replay by its name. */
export interface CaptureFile extends CaptureStatus {
  name: string;
  by: CaptureHeader['by'];
}

export interface CaptureOverview {
  /** The capture recording now, if any. */
  current: CaptureFile | null;
  /** Captures of this run, newest first (the current one included). */
  files: CaptureFile[];
  /** The most a capture may be asked for. */
  limits: { maxBytes: number; maxSeconds: number };
}

export interface StartCapture {
  by: CaptureHeader['by'];
  /** Where to write; the console's captures go to captureDir with a name from the time. */
  file?: string;
  /** Lower bounds than the configured ones. */
  maxBytes?: number;
  maxSeconds?: number;
}

export interface RelayFacts {
  version: string;
  protocols: ProtocolName[];
}

/** Files kept in the list, newest first; older ones stay on disk but leave the console's list. */
const LISTED = 50;

/** A capture request that cannot be carried out; its message says why. */
export class CaptureError extends Error {
  override name = 'CaptureError';
}

/**
 * A relay's captures: at most one records at a time, as an observer of the relay's
 * deliveries, and each ends by itself at its bounds. Listeners hear every start and end.
 */
export class Captures {
  private current: { writer: CaptureWriter; entry: CaptureFile; stopObserving: () => void } | undefined;
  private readonly files: { path: string; entry: CaptureFile }[] = [];
  /** A start is opening its file: a second one must not start meanwhile. */
  private starting = false;
  private readonly listeners = new Set<(file: CaptureFile) => void>();

  constructor(
    private readonly observe: (observer: RelayObserver) => () => void,
    private readonly config: () => Config,
    private readonly facts: () => RelayFacts,
  ) {}

  async start(req: StartCapture): Promise<CaptureFile> {
    if (this.current) throw new CaptureError(`a capture is already recording to ${this.current.writer.file}: stop it first`);
    if (this.starting) throw new CaptureError('a capture is starting: stop it first');
    const config = this.config();
    const bounds = {
      maxBytes: clamp(req.maxBytes, 64 * 1024, config.captureMaxBytes),
      maxSeconds: clamp(req.maxSeconds, 1, config.captureMaxSeconds),
      maxBacklogBytes: config.captureMaxBacklogBytes,
    };
    const startedMs = Date.now();
    const header: CaptureHeader = {
      format: CAPTURE_FORMAT,
      version: CAPTURE_VERSION,
      started: new Date(startedMs).toISOString(),
      startedMs,
      by: req.by,
      relay: this.facts(),
      bounds: { maxBytes: bounds.maxBytes, maxSeconds: bounds.maxSeconds },
      redacted: REDACTED,
    };
    let writer: CaptureWriter;
    let file: string;
    this.starting = true;
    try {
      file = req.file ?? join(await this.dir(config), `capture-${new Date(startedMs).toISOString().replace(/[:.]/g, '-')}.jsonl`);
      writer = await CaptureWriter.create(file, header, bounds);
    } catch (err) {
      throw err instanceof CaptureError ? err : new CaptureError((err as Error).message);
    } finally {
      this.starting = false;
    }
    const entry: CaptureFile = { ...writer.status(), name: uniqueName(basename(file), this.files), by: req.by };
    const stopObserving = this.observe(new CaptureRecorder(writer));
    this.current = { writer, entry, stopObserving };
    this.files.unshift({ path: file, entry });
    this.files.splice(LISTED);
    writer.onEnd((status) => {
      stopObserving();
      Object.assign(entry, status);
      if (this.current?.writer === writer) this.current = undefined;
      this.tell(entry);
    });
    this.tell(entry);
    return { ...entry };
  }

  /** Ends the current capture (if any) and resolves once its file is closed. */
  async stop(reason = 'stopped by the operator'): Promise<CaptureFile | null> {
    const c = this.current;
    if (!c) return null;
    await c.writer.end(reason);
    return this.refreshed(c.entry, c.writer);
  }

  overview(): CaptureOverview {
    const config = this.config();
    const c = this.current;
    return {
      current: c ? this.refreshed(c.entry, c.writer) : null,
      files: this.files.map((f) => (c?.entry === f.entry ? this.refreshed(c.entry, c.writer) : { ...f.entry })),
      limits: { maxBytes: config.captureMaxBytes, maxSeconds: config.captureMaxSeconds },
    };
  }

  /** The path of a listed capture, by its name. */
  path(name: string): string | undefined {
    return this.files.find((f) => f.entry.name === name)?.path;
  }

  onChange(listener: (file: CaptureFile) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private refreshed(entry: CaptureFile, writer: CaptureWriter): CaptureFile {
    Object.assign(entry, writer.status());
    return { ...entry };
  }

  private tell(entry: CaptureFile): void {
    for (const l of this.listeners) l({ ...entry });
  }

  private async dir(config: Config): Promise<string> {
    const dir = config.captureDir || join(tmpdir(), 'switchboard-captures');
    try {
      await mkdir(dir, { recursive: true, mode: 0o700 });
    } catch (err) {
      throw new CaptureError(`cannot make the capture folder "${dir}" (captureDir): ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    return dir;
  }
}

function clamp(asked: number | undefined, min: number, max: number): number {
  return typeof asked === 'number' && Number.isFinite(asked) ? Math.max(min, Math.min(max, Math.floor(asked))) : max;
}

/** A name no listed capture has (two CLI runs may record to files of the same name in different folders). */
function uniqueName(name: string, files: readonly { entry: CaptureFile }[]): string {
  let candidate = name;
  for (let i = 2; files.some((f) => f.entry.name === candidate); i++) candidate = `${i}-${name}`;
  return candidate;
}
