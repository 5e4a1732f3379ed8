import type { IncomingMessage } from 'node:http';

/** A request body read within its bounds, or which bound it broke. */
export type Body = { text: string } | { over: 'size' | 'time' };

export interface BodyBounds {
  maxBytes: number;
  /** From the moment the headers were read. */
  timeoutMs: number;
}

/**
 * A request body as text, within a size and a time bound. Over either, reading stops at once and
 * the caller answers (413 or 408) and closes the connection: a client must not hold a socket
 * open by trickling a body, nor make the relay read one it will refuse anyway.
 */
export function readBody(req: IncomingMessage, bounds: BodyBounds): Promise<Body> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (body: Body): void => {
      clearTimeout(timer);
      req.off('data', onData);
      req.off('end', onEnd);
      if ('over' in body) req.pause();
      resolve(body);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > bounds.maxBytes) finish({ over: 'size' });
      else chunks.push(chunk);
    };
    const onEnd = (): void => finish({ text: Buffer.concat(chunks).toString('utf8') });
    const timer = setTimeout(() => finish({ over: 'time' }), bounds.timeoutMs);
    req.on('data', onData);
    req.on('end', onEnd);
    req.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}
