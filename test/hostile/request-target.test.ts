import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { assertAlive } from '../helpers/liveness.js';
import { rawGet, rawHttp, rawUpgrade } from '../helpers/raw-http.js';
import { startRelay, type Running } from '../helpers/relay.js';
import { RawSocket } from '../fuzz/frames.js';

let relay: Running;
beforeEach(async () => {
  relay = await startRelay();
});
afterEach(() => relay.stop());

/** Request targets Node hands over as they came, which `new URL(target, base)` cannot parse. */
const UNPARSEABLE = ['http://[::1', 'http://a:99999/x', 'http://'];

describe('a request target the relay cannot read', () => {
  it('// is a path (empty segments are legal): HTTP gets a plain 404, and the relay lives', async () => {
    const answer = await rawHttp(relay.port, rawGet('//'));
    expect(answer.status).toBe(404);
    expect(answer.body).toContain('Not found');
    await assertAlive(relay);
  });

  it('an upgrade to // is served by the default protocol, as the original ignores the path', async () => {
    const raw = await RawSocket.upgrade(relay.port, '//');
    expect([...relay.relay.hub.peers('msg-relay')]).toHaveLength(1);
    raw.destroy();
    await assertAlive(relay);
  });

  it.each(UNPARSEABLE)('%s gets 400 with a plain reason over HTTP and as an upgrade, and is logged', async (target) => {
    const http = await rawHttp(relay.port, rawGet(target));
    expect(http.status).toBe(400);
    // Node sends it chunked: the reason is inside the chunk.
    expect(http.body).toContain(`the request target ${JSON.stringify(target)} is neither a path nor an absolute URL\n`);
    const upgrade = await rawHttp(relay.port, rawUpgrade(target));
    expect(upgrade.status).toBe(400);
    expect(upgrade.body).toBe(`the request target ${JSON.stringify(target)} is neither a path nor an absolute URL\n`);
    expect(relay.relay.log.recent().filter((e) => e.event === 'refused' && e.code === 400)).toHaveLength(2);
    await assertAlive(relay);
  });
});

describe('a route that throws', () => {
  it('answers that one request 500 with the reason, logs the stack, and the relay goes on', async () => {
    relay.relay.server.addRoute((_req, _res, url) => {
      if (url.pathname !== '/boom') return false;
      throw new Error('boom in a route');
    });
    const answer = await rawHttp(relay.port, rawGet('/boom'));
    expect(answer.status).toBe(500);
    expect(answer.body).toContain('internal error: boom in a route');
    const entry = relay.relay.log.recent().find((e) => e.event === 'error');
    expect(entry?.level).toBe('error');
    expect(entry?.message).toMatch(/GET "\/boom" from 127\.0\.0\.1: Error: boom in a route\n\s+at /);
    await assertAlive(relay);
  });

  it('as an upgrade, answers 500 before the handshake and the relay goes on', async () => {
    relay.relay.server.addUpgrade((_req, _socket, _head, url) => {
      if (url.pathname !== '/boom') return false;
      throw new Error('boom in an upgrade');
    });
    const answer = await rawHttp(relay.port, rawUpgrade('/boom'));
    expect(answer.status).toBe(500);
    expect(answer.body).toBe('internal error: boom in an upgrade\n');
    expect(relay.relay.log.recent().find((e) => e.event === 'error')?.message).toContain('Error: boom in an upgrade\n');
    await assertAlive(relay);
  });
});
