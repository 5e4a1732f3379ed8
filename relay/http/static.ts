import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ServerResponse } from 'node:http';
import type { HttpRoute } from './server.js';

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.map': 'application/json',
  '.woff2': 'font/woff2',
};

/** The folder holding package.json: built pages live under dist/ there, whether run from source or dist. */
export function packageRoot(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'switchboard') return dir;
    dir = dirname(dir);
  }
  return undefined;
}

/** The version in the package's package.json ('' where it cannot be found). */
export function packageVersion(): string {
  const root = packageRoot();
  return root ? ((JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version?: string }).version ?? '') : '';
}

/** dist/<name> in the package, where `npm run build` puts a built set of pages. */
export function builtDir(name: string): string | undefined {
  const root = packageRoot();
  return root ? join(root, 'dist', name) : undefined;
}

export interface StaticSite {
  /** The URL prefix, with both slashes: "/console/". */
  prefix: string;
  /** The folder served under it; undefined or missing index.html answers 503 with `notBuilt`. */
  dir: string | undefined;
  /** Told to whoever asks before the pages are built. */
  notBuilt: string;
  /** Unknown paths get the top index.html (a single-page app whose reload works on any view); otherwise 404. */
  fallbackToIndex: boolean;
  /** Headers sent with every page and file of the site (the console's CSP). */
  headers?: Readonly<Record<string, string>>;
}

/**
 * A route serving a folder of built pages under a URL prefix, GET and HEAD only. Paths that
 * escape the folder are not served; a folder holding index.html is served from its URL with a
 * trailing slash (and redirected to it without one, so the page's relative links resolve).
 */
export function staticRoute(site: StaticSite): HttpRoute {
  const bare = site.prefix.slice(0, -1);
  return (req, res, url) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    if (url.pathname === bare) return redirect(res, site.prefix + url.search);
    if (!url.pathname.startsWith(site.prefix)) return false;
    const dir = site.dir;
    if (!dir || !existsSync(join(dir, 'index.html'))) {
      res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(site.notBuilt);
      return true;
    }
    const file = resolveInside(dir, url.pathname.slice(site.prefix.length));
    if (file && isFile(join(file, 'index.html'))) {
      if (!url.pathname.endsWith('/')) return redirect(res, url.pathname + '/' + url.search);
      return sendFile(req.method, res, join(file, 'index.html'), site.headers);
    }
    if (file && isFile(file)) return sendFile(req.method, res, file, site.headers);
    if (site.fallbackToIndex) return sendFile(req.method, res, join(dir, 'index.html'), site.headers);
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(`Not found: ${url.pathname}\n`);
    return true;
  };
}

/** The file a URL path names inside dir, or undefined when it is malformed or would escape dir. */
function resolveInside(dir: string, urlPath: string): string | undefined {
  let rel: string;
  try {
    rel = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  const root = normalize(dir);
  const file = normalize(join(root, rel));
  return file === root || file.startsWith(root.endsWith(sep) ? root : root + sep) ? file : undefined;
}

function isFile(path: string): boolean {
  return existsSync(path) && statSync(path).isFile();
}

function redirect(res: ServerResponse, location: string): true {
  res.writeHead(308, { location });
  res.end();
  return true;
}

function sendFile(method: string | undefined, res: ServerResponse, path: string, headers: Readonly<Record<string, string>> = {}): true {
  const body = readFileSync(path);
  res.writeHead(200, {
    ...headers,
    'content-type': MIME[extname(path)] ?? 'application/octet-stream',
    'content-length': body.length,
    // Built assets carry a content hash in their names; pages must always be fresh.
    'cache-control': path.includes(`${sep}assets${sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache',
    'x-content-type-options': 'nosniff',
  });
  res.end(method === 'HEAD' ? undefined : body);
  return true;
}
