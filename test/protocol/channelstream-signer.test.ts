import { execFileSync } from 'node:child_process';
import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { BadSignature, lenientBase64, sign, unsign } from '../../relay/dialects/channelstream/signer.js';

/** Debian's python3-itsdangerous is the reference: tokens must cross between it and us both ways. */
const PYTHON = '/usr/bin/python3';

function python(script: string, input: unknown): unknown {
  const out = execFileSync(PYTHON, ['-c', script], { input: JSON.stringify(input), timeout: 10_000 });
  return JSON.parse(out.toString()) as unknown;
}

const PY_SIGN = `
import json, sys, itsdangerous
req = json.load(sys.stdin)
class At(itsdangerous.TimestampSigner):
    def get_timestamp(self):
        return req["ts"] if req["ts"] is not None else super().get_timestamp()
print(json.dumps([At(req["secret"]).sign(v).decode() for v in req["values"]]))
`;

const PY_UNSIGN = `
import json, sys, itsdangerous
req = json.load(sys.stdin)
out = []
for t in req["tokens"]:
    try:
        out.append(itsdangerous.TimestampSigner(req["secret"]).unsign(t, max_age=60).decode())
    except itsdangerous.BadData:
        out.append(None)
print(json.dumps(out))
`;

const now = () => Math.floor(Date.now() / 1000);
const verdict = (secret: string, token: string): string | null => {
  try {
    return unsign(secret, token, { maxAgeSeconds: 60 });
  } catch (err) {
    if (err instanceof BadSignature) return null;
    throw err;
  }
};

describe('channelstream signer against itsdangerous', () => {
  it('makes the same token as Python for the same secret, value and second', () => {
    const ts = 1_790_000_000;
    const values = ['channelstream', '/connect', '', 'é ünïcode', 'a.b.c'];
    const theirs = python(PY_SIGN, { secret: 'secret', ts, values }) as string[];
    expect(values.map((v) => sign('secret', v, ts))).toEqual(theirs);
    expect(theirs[0]).toMatch(/^channelstream\.[\w-]{6}\.[\w-]{27}$/);
  });

  it('verifies tokens Python signs now', () => {
    const [token] = python(PY_SIGN, { secret: 'k3y with spaces', ts: null, values: ['channelstream'] }) as string[];
    expect(unsign('k3y with spaces', token!, { maxAgeSeconds: 60 })).toBe('channelstream');
    expect(() => unsign('another secret', token!, { maxAgeSeconds: 60 })).toThrow(BadSignature);
  });

  it('makes tokens Python unsigns, and Python rejects the same ones we do', () => {
    const t = now();
    const good = sign('secret', 'channelstream');
    const cases = [
      good,
      // Well inside the 60 s window: Python and we check a moment apart, and must agree.
      sign('secret', '/connect', t - 45),
      sign('secret', 'channelstream', t - 120),
      sign('secret', 'channelstream', t + 30),
      sign('wrong', 'channelstream'),
      good.slice(0, -1),
      // The signature's first character: its last one also carries two bits base64 drops, so
      // changing it can leave the same bytes.
      good.replace(/\.([^.])([^.]*)$/, (_m, c: string, rest: string) => `.${c === 'A' ? 'B' : 'A'}${rest}`),
      'no-separator',
      good.replace(/\.([^.]*)$/, '.!!$1??'),
      good.replace(/\.([^.]*)$/, '.$1=='),
      good.replace(/\.([^.]*)$/, '.$1é'),
      good + 'A',
      good + 'AB',
      good + '====',
    ];
    const theirs = python(PY_UNSIGN, { secret: 'secret', tokens: cases }) as (string | null)[];
    const ours = cases.map((c) => verdict('secret', c));
    expect(ours).toEqual(theirs);
    expect(ours[0]).toBe('channelstream');
    expect(ours[1]).toBe('/connect');
    expect(ours.slice(2, 8)).toEqual([null, null, null, null, null, null]);
  });

  it("accepts the JavaScript signer's tokens: standard alphabet and a stray '='", () => {
    // channelstream-js-client's hashStrip replaces only the first '=', '+' and '/'.
    const strip = (b64: string) => b64.replace('=', '').replace('+', '-').replace('/', '_');
    const ts = now();
    const tsBytes = Buffer.from(ts.toString(16).padStart(8, '0'), 'hex');
    const payload = `channelstream.${strip(tsBytes.toString('base64'))}`;
    // The JS signer signs its own payload text, stray '=' included.
    const key = createHash('sha1').update('itsdangerous.Signersignersecret').digest();
    const standardSig = strip(createHmac('sha1', key).update(payload).digest('base64'));
    const jsToken = `${payload}.${standardSig}`;
    // Only the first '+' or '/' is replaced, so a second may remain: the JS signer's tokens carry both.
    expect(payload).toMatch(/^channelstream\.[\w+/-]{6}=$/);
    expect(verdict('secret', jsToken)).toBe('channelstream');
    expect(python(PY_UNSIGN, { secret: 'secret', tokens: [jsToken] })).toEqual(['channelstream']);
  });

  it('accepts an age of exactly 60 s and rejects 61 s and the future', () => {
    const t = 2_000_000_000;
    expect(unsign('s', sign('s', 'v', t - 60), { maxAgeSeconds: 60, nowSeconds: t })).toBe('v');
    expect(() => unsign('s', sign('s', 'v', t - 61), { maxAgeSeconds: 60, nowSeconds: t })).toThrow(/61 s old/);
    expect(() => unsign('s', sign('s', 'v', t + 1), { maxAgeSeconds: 60, nowSeconds: t })).toThrow(/future/);
    expect(unsign('s', sign('s', 'v', t - 3600), { nowSeconds: t })).toBe('v');
  });

  it('decodes base64 leniently, like Python', () => {
    expect(lenientBase64('awJQgA=').toString('hex')).toBe('6b025080');
    expect(lenientBase64('a-_b').equals(lenientBase64('a+/b'))).toBe(true);
    expect(lenientBase64('Y!W*J j').toString()).toBe('abc');
    expect(() => lenientBase64('abcde')).toThrow(BadSignature);
  });
});
