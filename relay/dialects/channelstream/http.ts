import type { IncomingMessage, ServerResponse } from 'node:http';
import { pretty } from './wire.js';

/** HTTP plumbing for the REST API: the CORS headers, replies, bounded bodies, Pyramid's error pages. */

export const CORS: Readonly<Record<string, string>> = {
  'Access-Control-Allow-Origin': '*',
  XDomainRequestAllowed: '1',
  'Access-Control-Allow-Methods': 'GET, POST, OPTIONS, PUT, DELETE, PATCH',
  'Access-Control-Allow-Headers':
    'Content-Type, Depth, User-Agent, X-File-Size, X-Requested-With, If-Modified-Since, X-File-Name, Cache-Control, Pragma, Origin, Connection, Referer, Cookie',
  'Access-Control-Max-Age': '86400',
};

export interface Reply {
  status: number;
  body: string;
  headers: Record<string, string>;
}

export const json = (status: number, value: unknown, headers: Record<string, string> = {}): Reply => ({
  status,
  body: pretty(value),
  headers: { ...CORS, 'Content-Type': 'application/json', ...headers },
});

export const BAD_SIGNATURE = (): Reply => json(401, { request: 'Bad Signature' });

const PAGES = {
  401: {
    title: 'Unauthorized',
    text: 'This server could not verify that you are authorized to access the document you requested.  Either you supplied the wrong credentials (e.g., bad password), or your browser does not understand how to supply the credentials required.',
  },
  403: { title: 'Forbidden', text: 'Access was denied to this resource.' },
} as const;

/** Pyramid's own error replies: HTML, or JSON for clients that accept it; no CORS headers. */
export function pyramidError(status: 401 | 403, req: IncomingMessage): Reply {
  const { title, text } = PAGES[status];
  const code = `${status} ${title}`;
  if (req.headers.accept?.includes('application/json'))
    return { status, body: JSON.stringify({ message: `${text}\n\n\n\n\n`, code, title }), headers: { 'Content-Type': 'application/json' } };
  const html = `<html>\n <head>\n  <title>${code}</title>\n </head>\n <body>\n  <h1>${code}</h1>\n  ${text}<br/><br/>\n\n\n\n\n </body>\n</html>`;
  return { status, body: html, headers: { 'Content-Type': 'text/html; charset=UTF-8' } };
}

export function send(res: ServerResponse, r: Reply): void {
  if (res.headersSent) return;
  res.writeHead(r.status, { ...r.headers, 'Content-Length': String(Buffer.byteLength(r.body)) });
  res.end(r.body);
}
