import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Channelstream, SECRET } from '../helpers/channelstream.js';

/** A Python backend as channelstream's demos are: itsdangerous signs, requests posts. */
const BACKEND = `
import json, sys, requests, itsdangerous
base, secret, conn_id = sys.argv[1:4]
def post(path, body):
    token = itsdangerous.TimestampSigner(secret).sign("channelstream").decode()
    r = requests.post(base + path, json=body, headers={"x-channelstream-secret": token}, timeout=10)
    r.raise_for_status()
    return r.json()
post("/subscribe", {"conn_id": conn_id, "channels": ["pub"]})
sent = post("/message", [{"user": "py-backend", "channel": "pub", "message": {"text": "from python"}}])
print(json.dumps(sent))
`;

function runPython(args: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile('/usr/bin/python3', ['-c', BACKEND, ...args], { timeout: 15_000 }, (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout))),
  );
}

let cs: Channelstream;
beforeAll(async () => {
  cs = await Channelstream.start();
});
afterAll(() => cs.stop());

describe('channelstream with a Python backend', () => {
  it('a message signed and posted by python3-requests reaches a WebSocket listener', async () => {
    const { conn_id } = await cs.connect('browser-user');
    const listener = await cs.socket(conn_id);
    const out = JSON.parse(await runPython([cs.http, SECRET, conn_id])) as Record<string, unknown>[];
    expect(out).toHaveLength(1);
    const event = await listener.event(5000);
    expect(event).toMatchObject({ channel: 'pub', user: 'py-backend', message: { text: 'from python' }, type: 'message', catchup: false, uuid: out[0]!.uuid });
    await listener.close();
  });
});
