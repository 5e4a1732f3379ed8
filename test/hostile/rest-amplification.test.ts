import { afterEach, describe, expect, it } from 'vitest';
import { MAX_REPORTED_ERRORS, MORE_ERRORS } from '../../relay/dialects/channelstream/validate.js';
import { Channelstream } from '../helpers/channelstream.js';
import { whileAlive } from '../helpers/liveness.js';

let cs: Channelstream | undefined;
afterEach(async () => {
  await cs?.stop();
  cs = undefined;
});

const MiB = 1024 * 1024;

/** A JSON list of `item` repeated to fill (not pass) `bytes`. */
const filled = (item: string, bytes = MiB - 16): string => `[${Array(Math.floor((bytes - 2) / (item.length + 1))).fill(item).join(',')}]`;

/** Counts the error messages of a 422 body: every string in it but the note under MORE_ERRORS. */
function messages(errors: unknown): number {
  if (typeof errors === 'string') return 1;
  if (Array.isArray(errors)) return errors.reduce<number>((n, e) => n + messages(e), 0);
  if (errors && typeof errors === 'object')
    return Object.entries(errors).reduce((n, [k, v]) => (k === MORE_ERRORS ? n : n + messages(v)), 0);
  return 0;
}

describe('channelstream REST replies cannot amplify a request', () => {
  it('a 1 MiB list of empty messages is refused in one line at the default limit of messages per call', async () => {
    cs = await Channelstream.start();
    const r = await whileAlive(cs.running, () => cs!.call('/message', { body: filled('{}') }));
    expect({ status: r.status, body: r.json }).toEqual({ status: 422, body: ['Longer than maximum length 1000.'] });
  });

  it('with the limit of messages per call raised to 100,000, the 422 lists the first invalid items and says how the rest went', async () => {
    cs = await Channelstream.start({ channelstreamMaxMessagesPerCall: 100_000 });
    const body = filled('{}', 200_000);
    const r = await whileAlive(cs.running, () => cs!.call<Record<string, unknown>>('/message', { body }));
    expect(r.status).toBe(422);
    expect(r.text.length).toBeLessThan(body.length / 20);
    expect(messages(r.json)).toBe(MAX_REPORTED_ERRORS);
    expect(r.json['0']).toEqual({ user: ['Missing data for required field.'] });
    expect(r.json[String(MAX_REPORTED_ERRORS - 1)]).toEqual({ user: ['Missing data for required field.'] });
    expect(r.json[String(MAX_REPORTED_ERRORS)]).toBeUndefined();
    expect(r.json[MORE_ERRORS]).toEqual([`items after ${MAX_REPORTED_ERRORS - 1} not checked: ${MAX_REPORTED_ERRORS} are invalid already`]);
  });

  it('errors nested in every item are listed up to the same bound, and the reply counts the rest', async () => {
    cs = await Channelstream.start();
    const item = JSON.stringify({ user: 'u', channel: 'c', pm_users: Array(200).fill(1) });
    const r = await cs.call<Record<string, unknown>>('/message', { body: `[${Array(50).fill(item).join(',')}]` });
    expect(r.status).toBe(422);
    expect(messages(r.json)).toBe(MAX_REPORTED_ERRORS);
    expect(r.json['0']).toMatchObject({ pm_users: { '0': ['Not a valid string.'] } });
    // Each item's list stops at 100 invalid names, so 50 items report 5,000, of which 100 are listed.
    expect(r.json[MORE_ERRORS]).toEqual(['4900 more errors not listed']);
  });

  it('a mapping key a client names "_more" is counted like any other, and the note goes beside it', async () => {
    cs = await Channelstream.start();
    const body: Record<string, unknown> = { _more: { notify_presence: 'x' } };
    for (let i = 0; i < 150; i++) body[`c${i}`] = { notify_presence: 'x' };
    const r = await cs.call<Record<string, unknown>>('/channel_config', { body });
    expect(r.status).toBe(422);
    expect(r.json['_more']).toEqual({ value: { notify_presence: ['Not a valid boolean.'] } });
    expect(r.json['_more_']).toEqual(['51 more errors not listed']);
    // Each channel listed holds one message: the client's `_more` and 99 others make the 100.
    expect(Object.keys(r.json).filter((k) => k !== '_more_')).toHaveLength(MAX_REPORTED_ERRORS);
  });

  it('a /connect naming 100,000 invalid channels gets the same short 422 and connects no one', async () => {
    cs = await Channelstream.start();
    const r = await cs.call<Record<string, unknown>>('/connect', { body: { username: 'u', channels: Array(100_000).fill('') } });
    expect(r.status).toBe(422);
    expect(messages(r.json)).toBe(MAX_REPORTED_ERRORS);
    expect(r.text.length).toBeLessThan(20_000);
    expect(cs.running.relay.hub.size).toBe(0);
  });

  it('refuses more messages in one call than channelstreamMaxMessagesPerCall, sending none of them', async () => {
    cs = await Channelstream.start({ channelstreamMaxMessagesPerCall: 10 });
    const { conn_id } = await cs.connect('reader', ['c']);
    const socket = await cs.socket(conn_id);
    const message = (i: number) => ({ user: 'u', channel: 'c', message: { i } });
    const over = await cs.post(Array.from({ length: 11 }, (_, i) => message(i)));
    expect({ status: over.status, body: over.json }).toEqual({ status: 422, body: ['Longer than maximum length 10.'] });
    for (const method of ['PATCH', 'DELETE'])
      expect((await cs.call('/message', { method, body: Array(11).fill({ uuid: crypto.randomUUID(), channel: 'c' }) })).json).toEqual(['Longer than maximum length 10.']);
    expect(await socket.quiet(300)).toEqual([]);
    const within = await cs.post(Array.from({ length: 10 }, (_, i) => message(i)));
    expect(within.status).toBe(200);
    const got = [];
    for (let i = 0; i < 10; i++) got.push(((await socket.event()).message as { i: number }).i);
    expect(got).toEqual([...Array(10).keys()]);
    await socket.close();
  });
});
