import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startRelay, type Running } from '../helpers/relay.js';

const run = promisify(execFile);
let relay: Running;
beforeEach(async () => {
  relay = await startRelay();
});
afterEach(() => relay.stop());

// The way the original's users connect: Python websockets with x-peer-group / x-peer-meta headers.
const SCRIPT = `
import asyncio, json, sys, websockets

async def main(url):
    hdr = lambda g, m: {"x-peer-group": g, "x-peer-meta": m}
    async with websockets.connect(url, extra_headers=hdr("Support-42", "TECH-1")) as tech, \\
               websockets.connect(url, extra_headers=hdr("support-42", "customer-1")) as cust, \\
               websockets.connect(url, extra_headers=hdr("other", "tech-2")) as other:
        tech_id = json.loads(await tech.recv())["connection_id"]
        cust_id = json.loads(await cust.recv())["connection_id"]
        other_id = json.loads(await other.recv())["connection_id"]
        joined = json.loads(await tech.recv())
        await tech.send(json.dumps({"to": "host", "command": "list_peers", "meta_filter": "customer-*"}))
        listing = json.loads(await tech.recv())
        await cust.send(json.dumps({"to": tech_id, "msg": "help me", "from": "spoof"}))
        delivered = json.loads(await tech.recv())
        await tech.send(json.dumps({"to": other_id, "msg": "leak?"}))
        await tech.send("ping")
        pong = await tech.recv()
        try:
            leaked = await asyncio.wait_for(other.recv(), 0.3)
        except asyncio.TimeoutError:
            leaked = None
        print(json.dumps({"cust_id": cust_id, "tech_id": tech_id, "joined": joined, "listing": listing,
                          "delivered": delivered, "pong": pong, "leaked": leaked}))

asyncio.run(main(sys.argv[1]))
`;

describe('msg-relay with a real Python websockets client', () => {
  it('connects with group and meta headers, lists, relays and isolates', async () => {
    const { stdout } = await run('/usr/bin/python3', ['-c', SCRIPT, relay.url + '/ws_msg_relay'], { timeout: 15_000 });
    const r = JSON.parse(stdout);
    expect(r.joined).toEqual({ from: 'host', to: r.tech_id, peer: { connection_id: r.cust_id, peer_meta: 'customer-1' }, message_type: 'peer_connect' });
    expect(r.listing.peer_list).toEqual([{ connection_id: r.cust_id, peer_meta: 'customer-1' }]);
    expect(r.delivered).toEqual({ to: r.tech_id, msg: 'help me', from: r.cust_id, message_type: 'peer_communication' });
    expect(r.pong).toBe('pong');
    expect(r.leaked).toBeNull();
  });
});
