import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './port.js';

export const NGINX = '/usr/sbin/nginx';

export interface Nginx {
  /** http://127.0.0.1:PORT */
  url: string;
  stop(): Promise<void>;
}

export interface NginxOptions {
  /** Where to proxy, e.g. 127.0.0.1:8765. */
  upstream: string;
  /** The address nginx connects to the upstream from (proxy_bind), so the relay can tell it apart. */
  bind: string;
}

/** The proxy block of docs/deployment.md, on loopback, with every file in its own temp folder. */
function config(dir: string, port: number, { upstream, bind }: NginxOptions): string {
  return `
daemon off;
master_process off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log info;
events { worker_connections 64; }
http {
  access_log ${dir}/access.log;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  map $http_upgrade $connection_upgrade { default upgrade; '' close; }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://${upstream};
      proxy_bind ${bind};
      proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_read_timeout 1h;
    }
  }
}
`;
}

/** Waits until nginx answers /healthz through to the relay, or it exits, for at most 5 s. */
async function ready(url: string, child: ChildProcess, log: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline && child.exitCode === null) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nginx did not come up: ${existsSync(log) ? readFileSync(log, 'utf8').slice(-2000) : 'no error log'}`);
}

/** Starts Debian's nginx in the foreground in front of a relay; stop() ends it and removes its folder. */
export async function startNginx(options: NginxOptions): Promise<Nginx> {
  if (!existsSync(NGINX)) throw new Error(`${NGINX} is missing: install Debian's nginx-light (.ci/run does)`);
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-nginx-'));
  const port = await freePort();
  writeFileSync(join(dir, 'nginx.conf'), config(dir, port, options));
  const child = spawn(NGINX, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    // SIGTERM is nginx's fast shutdown; SIGKILL if it has not gone within 5 s.
    if (child.exitCode === null) child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await ready(url, child, join(dir, 'error.log'));
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, stop };
}
