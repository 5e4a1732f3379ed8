import { describe, expect, it } from 'vitest';
import { serveConsole } from '../../relay/console/http.js';
import { MAX_LOG_TEXT } from '../../relay/core/log.js';
import { whileAlive } from '../helpers/liveness.js';
import { rawGet, rawHttp, rawUpgrade } from '../helpers/raw-http.js';
import { perTest } from '../helpers/session-scope.js';

const scope = perTest();

/** Under the 64 KiB header cap, so the relay reads it and refuses it itself. */
const HUGE = 60_000;
/** Enough refusals that unclipped entries (two copies of 60 KB each) would hold megabytes. */
const ATTEMPTS = 20;

/** Every refusal's log entry keeps at most MAX_LOG_TEXT characters of the client's text, and says how much it left out. */
function expectClipped(entries: { message: string; reason?: string }[], start: string): void {
  expect(entries).toHaveLength(ATTEMPTS);
  for (const e of entries) {
    expect(e.message.startsWith(start)).toBe(true);
    expect(e.message.length).toBeLessThan(MAX_LOG_TEXT + 64);
    expect(e.message).toMatch(/… \(\d+ more characters\)$/);
    expect((e.reason ?? '').length).toBeLessThan(MAX_LOG_TEXT + 64);
  }
}

describe('client text in the relay log', () => {
  it('a foreign Origin of 60 KB, sent again and again, costs the log a bounded entry each', async () => {
    const relay = await scope.relay();
    serveConsole(relay.relay);
    const origin = `http://${'o'.repeat(HUGE)}`;
    await whileAlive(relay, async () => {
      for (let i = 0; i < ATTEMPTS; i++) {
        const answer = await rawHttp(relay.port, rawGet('/console/api', `Origin: ${origin}\r\n`));
        expect(answer.status).toBe(403);
      }
    });
    expectClipped(
      relay.relay.log.recent().filter((e) => e.event === 'refused' && e.code === 403),
      '127.0.0.1 /console/api: 403 origin http://ooo',
    );
  });

  it('a 60 KB upgrade target refused for its token costs the log a bounded entry each', async () => {
    const relay = await scope.relay({ accessToken: 'right' });
    const target = `/ws-relay/${'r'.repeat(HUGE)}`;
    await whileAlive(relay, async () => {
      for (let i = 0; i < ATTEMPTS; i++) expect((await rawHttp(relay.port, rawUpgrade(target))).status).toBe(401);
    }, { token: 'right' });
    expectClipped(
      relay.relay.log.recent().filter((e) => e.event === 'refused' && e.code === 401),
      '127.0.0.1 /ws-relay/rrr',
    );
  });
});
