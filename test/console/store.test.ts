import { afterEach, describe, expect, it } from 'vitest';
import { ConsoleService } from '../../relay/console/service.js';
import type { ConsoleEvent, Stats, TrafficRecord } from '../../relay/console/types.js';
import { hashView, withView } from '../../renderer/hash.js';
import { HISTORY_CAP, LOG_CAP, TRAFFIC_CAP, connectStore, createConsoleStore, toJsonLines } from '../../renderer/store.js';
import { Client } from '../helpers/client.js';
import { startRelay, type Running } from '../helpers/relay.js';

function record(seq: number, preview = `m${seq}`): TrafficRecord {
  return { seq, ts: seq, kind: 'message', protocol: 'msg-relay', room: 'g', from: 'a', to: 'b', recipients: 1, size: preview.length, preview };
}

function stats(ts: number): Stats {
  const zero = { connections: 0, msgsIn: 0, bytesIn: 0, msgsOut: 0, bytesOut: 0, drops: 0 };
  return {
    ts,
    peers: 0,
    byProtocol: { 'msg-relay': zero, compendium: zero, spacewar: zero, intercessor: zero, channelstream: zero },
    rates: { msgsInPerSec: ts, msgsOutPerSec: 0, bytesInPerSec: 0, bytesOutPerSec: 0, connectsPerSec: 0, disconnectsPerSec: 0 },
  };
}

describe('the console store', () => {
  it('keeps traffic newest first and capped, and adds up what was skipped', () => {
    const store = createConsoleStore();
    const batch = (from: number, n: number): ConsoleEvent => ({ type: 'traffic', records: Array.from({ length: n }, (_, i) => record(from + i)), skipped: 2 });
    store.getState().ingest([batch(1, 3000), batch(3001, 3000)]);
    const { traffic, skipped } = store.getState();
    expect(traffic).toHaveLength(TRAFFIC_CAP);
    expect(traffic[0]!.seq).toBe(6000);
    expect(traffic.at(-1)!.seq).toBe(6000 - TRAFFIC_CAP + 1);
    expect(skipped).toBe(4);
  });

  it('counts traffic that arrives while paused and keeps none of it', () => {
    const store = createConsoleStore();
    store.getState().ingest([{ type: 'traffic', records: [record(1)], skipped: 0 }]);
    store.getState().setPaused(true);
    store.getState().ingest([{ type: 'traffic', records: [record(2), record(3)], skipped: 0 }]);
    expect(store.getState().traffic.map((r) => r.seq)).toEqual([1]);
    expect(store.getState().missed).toBe(2);
    store.getState().setPaused(false);
    expect(store.getState().missed).toBe(0);
  });

  it('caps the stats history and the log, and bumps presence on joins and leaves', () => {
    const store = createConsoleStore();
    const events: ConsoleEvent[] = [];
    for (let i = 1; i <= HISTORY_CAP + 10; i++) events.push({ type: 'stats', stats: stats(i) });
    for (let i = 0; i < LOG_CAP + 5; i++) events.push({ type: 'log', entry: { ts: i, level: 'info', event: 'x', message: `e${i}` } });
    events.push({ type: 'peerLeft', key: 'p1', protocol: 'msg-relay', id: 'a', code: 1000, reason: '' });
    store.getState().ingest(events);
    const s = store.getState();
    expect(s.history).toHaveLength(HISTORY_CAP);
    expect(s.history.at(-1)!.ts).toBe(HISTORY_CAP + 10);
    expect(s.stats!.ts).toBe(HISTORY_CAP + 10);
    expect(s.log).toHaveLength(LOG_CAP);
    expect(s.log[0]!.message).toBe(`e${LOG_CAP + 4}`);
    expect(s.presence).toBe(1);
  });

  it('reads the view from the URL fragment and writes it there, keeping the token', () => {
    expect(hashView('#settings')).toBe('settings');
    expect(hashView('#token=abc')).toBeUndefined();
    expect(hashView('#peers&token=abc')).toBe('peers');
    expect(withView('#token=a%2Bb', 'settings')).toBe('#settings&token=a%2Bb');
    expect(withView('#peers&token=abc', 'log')).toBe('#log&token=abc');
    expect(withView('', 'overview')).toBe('#overview');
    expect(createConsoleStore(hashView('#settings')).getState().view).toBe('settings');
  });

  it('exports what is shown as JSON Lines, oldest first', () => {
    const lines = toJsonLines([record(2, 'two'), record(1, 'one')]).trimEnd().split('\n');
    expect(lines.map((l) => (JSON.parse(l) as TrafficRecord).preview)).toEqual(['one', 'two']);
    expect(toJsonLines([])).toBe('');
  });

  describe('connected to a real ConsoleService', () => {
    let relay: Running;
    let service: ConsoleService;
    afterEach(async () => {
      service?.stop();
      await relay?.stop();
    });

    it('loads the snapshot, then fills with live traffic in batches', async () => {
      relay = await startRelay();
      service = new ConsoleService(relay.relay, { batchMs: 20, statsMs: 100 });
      const store = createConsoleStore();
      const wiring = connectStore(store, service.session());
      try {
        await expect.poll(() => store.getState().snapshot?.protocols).toContain('msg-relay');
        expect(store.getState().draft).toMatchObject({ protocol: 'msg-relay' });
        const a = await Client.open(`${relay.url}/msg-relay?group=g`);
        a.sendJson({ to: 'nobody', text: 'seen by the store' });
        await expect.poll(() => store.getState().traffic.some((r) => r.preview.includes('seen by the store'))).toBe(true);
        await expect.poll(() => store.getState().presence).toBeGreaterThan(0);
        await wiring.subscribeTraffic({ text: 'only this' });
        expect(store.getState().traffic).toEqual([]);
        expect(store.getState().trafficFilter).toEqual({ text: 'only this' });
        await a.close();
      } finally {
        wiring.dispose();
      }
    });
  });
});
