import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { sign } from '../../relay/dialects/channelstream/signer.js';
import { Channelstream, SECRET } from '../helpers/channelstream.js';
import { assertAlive } from '../helpers/liveness.js';

/** HTTP request bodies and long polls are bounded in time as well as in size, however slowly the bytes come. */

let cs: Channelstream | undefined;
const sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await cs?.stop();
  cs = undefined;
});

interface Trickled {
  /** What the relay wrote back before it closed the socket. */
  answer: string;
  /** Body bytes the client got to send before that. */
  sent: number;
}

/**
 * A raw socket that sends a request's headers, then its body one byte every `gapMs` (at most
 * `maxBytes` of them), until the relay closes the connection or the bytes run out.
 */
function trickle(port: number, head: string, gapMs: number, maxBytes: number): Promise<Trickled> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(head));
    sockets.push(socket);
    let answer = '';
    let sent = 0;
    const timer = setInterval(() => {
      if (sent >= maxBytes) {
        clearInterval(timer);
        socket.destroy();
        reject(new Error(`the relay still held the socket after ${sent} bytes; it wrote ${JSON.stringify(answer)}`));
        return;
      }
      if (!socket.destroyed && socket.writable) {
        socket.write('[');
        sent++;
      }
    }, gapMs);
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => (answer += d));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearInterval(timer);
      resolve({ answer, sent });
    });
  });
}

const signedPost = (path: string, length: number): string =>
  `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\nx-channelstream-secret: ${sign(SECRET, 'channelstream')}\r\n\r\n`;

describe('a request body that trickles', () => {
  it('one byte a second to the channelstream REST API is answered 408 with a reason and its socket closed, while other clients are served', async () => {
    cs = await Channelstream.start({ bodyTimeoutMs: 1500 });
    const { port } = cs.running;
    const slow = trickle(port, signedPost('/message', 1000), 1000, 10);
    // Meanwhile the relay serves everyone else: a protocol round trip, /healthz, and REST calls.
    await assertAlive({ port });
    expect((await cs.call('/info')).status).toBe(200);
    const { answer, sent } = await slow;
    expect(answer).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    expect(answer).toContain('Connection: close');
    expect(answer.slice(answer.indexOf('\r\n\r\n') + 4)).toBe(JSON.stringify({ request: 'the body did not arrive within 1500 ms' }, null, 4));
    expect(sent).toBeLessThan(10);
    await assertAlive({ port });
  });

  it('that no route reads has its socket closed by the HTTP server itself once headers and body are past their time', async () => {
    cs = await Channelstream.start({ handshakeTimeoutMs: 300, bodyTimeoutMs: 300 });
    const { port } = cs.running;
    // A POST to a path no protocol claims is answered at once, but its body keeps the connection busy.
    const { answer, sent } = await trickle(port, 'POST /nowhere HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000\r\n\r\n', 100, 100);
    // Node answers 408 where it still can; either way the socket is closed long before the body could end.
    expect(answer).toMatch(/^HTTP\/1\.1 404 /);
    expect(sent).toBeLessThan(100);
    await assertAlive({ port });
  });

  it('over the size limit is answered 413 at once, without reading the rest, and its socket closed', async () => {
    cs = await Channelstream.start({ channelstreamMaxBodyBytes: 1024 });
    const { port } = cs.running;
    const socket = connect(port, '127.0.0.1');
    sockets.push(socket);
    let answer = '';
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => (answer += d));
    socket.on('error', () => undefined);
    const closed = new Promise((r) => socket.on('close', r));
    // Announces 64 MiB and sends 2 KiB of it: the relay answers without waiting for the rest.
    socket.write(signedPost('/message', 64 * 1024 * 1024) + 'x'.repeat(2048));
    await closed;
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
    expect(answer).toContain('the body is over 1024 bytes');
    await assertAlive({ port });
  });
});

describe('a long poll', () => {
  it('ends within its bound even while messages keep arriving', async () => {
    cs = await Channelstream.start({ channelstreamListenWaitMs: 200, channelstreamListenGatherMs: 40 });
    await cs.configure({ news: {} });
    const { conn_id } = await cs.connect('reader', ['news']);
    const poll = fetch(`${cs.http}/listen?conn_id=${conn_id}`).then((r) => r.json() as Promise<unknown[]>);
    let done = false;
    void poll.finally(() => (done = true));
    // A message every 20 ms, well inside the gather window, for at most 500 messages (10 s).
    let published = 0;
    while (!done && published < 500) {
      await cs.call('/message', { body: [{ user: 'writer', channel: 'news', message: { n: published } }] });
      published++;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(done).toBe(true);
    const got = await poll;
    expect(got.length).toBeGreaterThan(0);
    expect(published).toBeLessThan(500);
    await assertAlive(cs.running);
  });
});
