import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { CONSOLE_CSP } from '../../relay/console/csp.js';

/** The window's pages come from app://switchboard/, a standard, secure origin of their own. */
export const SCHEME = 'app';
const HOST = 'switchboard';
export const APP_ORIGIN = `${SCHEME}://${HOST}`;
export const CONSOLE_URL = `${APP_ORIGIN}/console/`;

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * The file in the renderer bundle an app:// URL names, or undefined for anything outside it.
 * The bundle answers at /console/ (as the relay serves it) and at /, so relative and
 * /console/-based asset paths both work.
 */
export function bundleFile(rendererDir: string, url: string): string | undefined {
  const u = new URL(url);
  // Not u.origin: outside Chromium, URL gives custom schemes an opaque origin.
  if (u.protocol !== `${SCHEME}:` || u.host !== HOST) return undefined;
  let path = decodeURIComponent(u.pathname);
  if (path === '/console' || path.startsWith('/console/')) path = path.slice('/console'.length);
  if (path === '' || path.endsWith('/')) path += 'index.html';
  const file = normalize(join(rendererDir, path));
  return file.startsWith(normalize(rendererDir) + sep) ? file : undefined;
}

/** Answers an app:// request from the renderer bundle, always with the CSP. */
export async function serveBundle(rendererDir: string, request: Request): Promise<Response> {
  const file = request.method === 'GET' ? bundleFile(rendererDir, request.url) : undefined;
  const headers = { 'content-security-policy': CONSOLE_CSP, 'x-content-type-options': 'nosniff' };
  if (file) {
    try {
      const body = await readFile(file);
      return new Response(body, { headers: { ...headers, 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' } });
    } catch {
      // Missing or unreadable: a plain 404 below.
    }
  }
  return new Response('Not found', { status: 404, headers: { ...headers, 'content-type': 'text/plain; charset=utf-8' } });
}
