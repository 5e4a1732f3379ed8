import { afterEach, describe, expect, it } from 'vitest';
import { Client } from '../helpers/client.js';
import { assertAlive } from '../helpers/liveness.js';
import { startRelay, type Running } from '../helpers/relay.js';

let relay: Running;
const clients: Client[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await relay.stop();
});

/** Joins a spacewar room and returns the id it was given, which counts from 1 in each room. */
async function selfId(target: string, token?: string): Promise<string> {
  const c = await Client.open(`${relay.url}${target}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  clients.push(c);
  const hello = await c.next();
  expect(hello).toMatch(/^\d+ self$/);
  return hello.split(' ')[0]!;
}

const spacewarRooms = (): string[] => [...relay.relay.hub.allRooms()].filter(([p]) => p === 'spacewar').map(([, room]) => room);

describe('a spacewar room is the whole request target, as the original saw it', () => {
  it('without an access token, ?token= is the client\'s own parameter: two tokens are two rooms', async () => {
    relay = await startRelay();
    expect(await selfId('/ws-relay/g?token=a')).toBe('1');
    expect(await selfId('/ws-relay/g?token=b')).toBe('1');
    expect(spacewarRooms().sort()).toEqual(['/ws-relay/g?token=a', '/ws-relay/g?token=b']);
    await assertAlive(relay);
  });

  it('msg-relay\'s ?group= and ?meta= are spacewar\'s own parameters too', async () => {
    relay = await startRelay();
    expect(await selfId('/ws-relay/g?group=a&meta=x')).toBe('1');
    expect(await selfId('/ws-relay/g?group=b&meta=x')).toBe('1');
    expect(await selfId('/ws-relay/g?group=a&meta=x')).toBe('2');
    await assertAlive(relay);
  });

  it('with an access token, the token leaves the room name and every other byte of the query stays', async () => {
    relay = await startRelay({ accessToken: 'T' });
    expect(await selfId('/ws-relay/g?x=a%20b&token=T')).toBe('1');
    expect(await selfId('/ws-relay/g?x=a%20b', 'T')).toBe('2');
    expect(await selfId('/ws-relay/g?token=T&flag')).toBe('1');
    expect(await selfId('/ws-relay/g?flag', 'T')).toBe('2');
    expect(spacewarRooms().sort()).toEqual(['/ws-relay/g?flag', '/ws-relay/g?x=a%20b']);
    await assertAlive(relay, { token: 'T' });
  });
});
