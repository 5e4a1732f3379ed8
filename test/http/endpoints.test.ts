import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Client } from '../helpers/client.js';
import { startRelay, type Running } from '../helpers/relay.js';

let relay: Running;
let base: string;
beforeEach(async () => {
  relay = await startRelay();
  base = `http://127.0.0.1:${relay.port}`;
});
afterEach(() => relay.stop());

describe('the relay over plain HTTP', () => {
  it('answers /healthz with its status and peer count', async () => {
    const c = await Client.open(relay.url);
    await c.next();
    const res = await fetch(`${base}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok', peers: 1 });
    await c.close();
  });

  it('exposes connections, messages, bytes and closes in Prometheus format', async () => {
    const a = await Client.open(relay.url, { headers: { 'x-peer-group': 'm' } });
    const { connection_id: aId } = await a.json<{ connection_id: string }>();
    const b = await Client.open(relay.url, { headers: { 'x-peer-group': 'm' } });
    await b.next();
    await a.next();
    b.sendJson({ to: aId, msg: 'x' });
    await a.next();
    b.send('not json');
    await b.closed;
    const text = await (await fetch(`${base}/metrics`)).text();
    expect(text).toContain('# TYPE switchboard_connections gauge');
    expect(text).toMatch(/^switchboard_connections\{protocol="msg-relay"\} 1$/m);
    expect(text).toMatch(/^switchboard_messages_in_total\{protocol="msg-relay"\} 2$/m);
    expect(text).toMatch(/^switchboard_closes_total\{code="1008"\} 1$/m);
    const bytesIn = Number(/^switchboard_bytes_in_total\{protocol="msg-relay"\} (\d+)$/m.exec(text)?.[1]);
    expect(bytesIn).toBe(JSON.stringify({ to: aId, msg: 'x' }).length + 'not json'.length);
    await a.close();
  });

  it('counts closes with client-chosen codes under one label per application range', async () => {
    const codes = [4001, 4002, 4999, 3000, 1000];
    for (const code of codes) {
      const c = await Client.open(relay.url);
      await c.next();
      await c.close(code);
    }
    const gone = Date.now() + 5000;
    while (relay.relay.hub.size > 0 && Date.now() < gone) await new Promise((r) => setTimeout(r, 20));
    const text = await (await fetch(`${base}/metrics`)).text();
    const series = text.split('\n').filter((l) => l.startsWith('switchboard_closes_total{'));
    expect(series.sort()).toEqual(['switchboard_closes_total{code="1000"} 1', 'switchboard_closes_total{code="3xxx"} 1', 'switchboard_closes_total{code="4xxx"} 3']);
  });

  it('answers 404 for a path it does not serve', async () => {
    const res = await fetch(`${base}/nothing-here`);
    expect(res.status).toBe(404);
    expect(await res.text()).toContain('Switchboard serves WebSockets here');
  });
});
