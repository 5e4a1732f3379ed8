import type { ClientRequest, IncomingMessage } from 'node:http';
import WebSocket from 'ws';
import { Client } from './client.js';

export interface Refused {
  status: number;
  body: string;
  headers: IncomingMessage['headers'];
}

/** Tries a WebSocket upgrade that the relay should refuse; resolves with its HTTP answer. */
export function refusal(url: string, options: WebSocket.ClientOptions = {}): Promise<Refused> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false, ...options });
    ws.once('open', () => {
      ws.terminate();
      reject(new Error(`the upgrade to ${url} was accepted`));
    });
    ws.once('unexpected-response', (req: ClientRequest, res: IncomingMessage) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        req.destroy();
        resolve({ status: res.statusCode ?? 0, body, headers: res.headers });
      });
    });
    ws.once('error', (err) => reject(err));
  });
}

/** Opens a client once the relay has room for it again (a slot frees when a socket finishes closing). */
export async function openWhenFree(url: string, tries = 100, gapMs = 50): Promise<Client> {
  for (let i = 1; ; i++) {
    try {
      return await Client.open(url);
    } catch (err) {
      if (i >= tries) throw err;
    }
    await new Promise((r) => setTimeout(r, gapMs));
  }
}
