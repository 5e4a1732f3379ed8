import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, type Closed } from '../helpers/client.js';
import { assertAlive } from '../helpers/liveness.js';
import { startRelay, type Running } from '../helpers/relay.js';
import { SEED } from './python.js';

/**
 * msg-relay's and compendium's frame handling on generated frames, over real sockets: whatever a
 * client sends, its socket either goes on (it still answers a request) or is closed with a code
 * and a reason, and nobody else notices.
 */

const PROTO_NAMES = ['__proto__', 'constructor', 'toString', 'hasOwnProperty'];
const key = fc.oneof(fc.constantFrom('to', 'type', 'command', 'meta_filter', 'msg', 'EpheWssAddr', 'errCode', 'errMsg'), fc.constantFrom(...PROTO_NAMES), fc.string({ maxLength: 6 }));
const value = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom('host', 'group', 'list_peers', 'INIT', 'ROUTE', 'DELIVER', 'INITRESP', 'ERR', '*', '*a*a*a*a*a*b', '__proto__'),
);
const frameText = fc.oneof(
  { weight: 4, arbitrary: fc.dictionary(key, value, { maxKeys: 5 }).map((o) => JSON.stringify(o)) },
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
  fc.string({ maxLength: 60 }),
  fc.nat({ max: 20_000 }).map((n) => '{"a":'.repeat(n) + '1' + '}'.repeat(n)),
);

let relay: Running;
beforeAll(async () => {
  relay = await startRelay();
});
afterAll(() => relay.stop());

/** The frame, then a request with a known answer: resolves with the close if the socket was closed instead. */
async function sendThenAsk(path: string, frame: string, ask: string, answered: (m: Record<string, unknown>) => boolean): Promise<Closed | 'answered'> {
  const c = await Client.open(`${relay.url}${path}`);
  try {
    c.send(frame);
    c.send(ask);
    for (let i = 0; i < 50; i++) {
      const next = await Promise.race([c.next(3000).then((f) => ({ f })), c.closed]);
      if ('code' in next) return next;
      let m: unknown;
      try {
        m = JSON.parse(next.f);
      } catch {
        continue;
      }
      if (typeof m === 'object' && m !== null && answered(m as Record<string, unknown>)) return 'answered';
    }
    throw new Error('neither an answer nor a close');
  } finally {
    c.ws.terminate();
  }
}

const PROTOCOLS = [
  { name: 'msg-relay', path: '/msg-relay?group=fuzzed', ask: JSON.stringify({ to: 'host', command: 'list_peers', meta_filter: '*' }), answered: (m: Record<string, unknown>) => m.message_type === 'peer_list' },
  { name: 'compendium', path: '/compendium', ask: JSON.stringify({ type: 'INIT' }), answered: (m: Record<string, unknown>) => m.type === 'INITRESP' },
];

describe.each(PROTOCOLS)(`$name frames, property-based (seed ${SEED})`, ({ path, ask, answered }) => {
  it('answers or closes with a code and a reason for any frame, and other clients see nothing of it', async () => {
    const a = await Client.open(`${relay.url}/msg-relay?group=bystanders`);
    const b = await Client.open(`${relay.url}/msg-relay?group=bystanders`);
    try {
      const idA = (await a.json()).connection_id as string;
      await b.json();
      await a.drain(100);
      await fc.assert(
        fc.asyncProperty(frameText, async (frame) => {
          const outcome = await sendThenAsk(path, frame, ask, answered);
          if (outcome !== 'answered') {
            expect(outcome.code).toBeGreaterThanOrEqual(1000);
            expect(outcome.reason).not.toBe('');
          }
        }),
        { seed: SEED, numRuns: 60 },
      );
      // The bystanders heard only each other's comings and goings, and still talk.
      expect((await a.drain(50)).filter((f) => !f.includes('peer_'))).toEqual([]);
      b.sendJson({ to: idA, text: 'still here' });
      expect(await a.json()).toMatchObject({ text: 'still here' });
      await assertAlive(relay);
    } finally {
      a.ws.terminate();
      b.ws.terminate();
    }
  }, 120_000);
});
