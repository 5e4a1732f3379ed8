import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BadSignature, lenientBase64, sign, unsign } from '../../relay/dialects/channelstream/signer.js';
import { python, samples, SEED } from './python.js';

/** channelstream's signer against Debian's python3-itsdangerous, on generated secrets, values and tampered tokens. */

const PY_SIGN = `
import json, sys, itsdangerous
class At(itsdangerous.TimestampSigner):
    def get_timestamp(self):
        return self.ts
out = []
for c in json.load(sys.stdin):
    s = At(c["secret"]); s.ts = c["ts"]
    out.append(s.sign(c["value"]).decode())
print(json.dumps(out))
`;

const PY_UNSIGN = `
import json, sys, itsdangerous
out = []
for c in json.load(sys.stdin):
    try:
        out.append(itsdangerous.TimestampSigner(c["secret"]).unsign(c["token"], max_age=60).decode())
    except itsdangerous.BadData:
        out.append(None)
print(json.dumps(out))
`;

const PY_B64 = `
import json, sys, base64, binascii
out = []
for s in json.load(sys.stdin):
    b = s.encode("ascii", "ignore")
    try:
        out.append(base64.urlsafe_b64decode(b + b"=" * (-len(b) % 4)).hex())
    except (TypeError, ValueError, binascii.Error):
        out.append(None)
print(json.dumps(out))
`;

/** Text Python can encode as UTF-8 (no lone surrogates), as secrets and values always are. */
const text = (max: number): fc.Arbitrary<string> => fc.string({ unit: 'grapheme', maxLength: max });

const ours = (secret: string, token: string): string | null => {
  try {
    return unsign(secret, token, { maxAgeSeconds: 60 });
  } catch (err) {
    if (err instanceof BadSignature) return null;
    throw err;
  }
};

/** Ways a token gets bent on its way: a character changed, junk or padding added, the other base64 alphabet. */
const tamper = fc.oneof(
  fc.record({ kind: fc.constant('none' as const) }),
  fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), ch: fc.constantFrom('A', '-', '_', '+', '/', '=', '.', '!', 'é') }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), ch: fc.constantFrom('=', '==', ' ', '\n', '!', 'é', '.') }),
  fc.record({ kind: fc.constant('alphabet' as const) }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
);
type Tamper = typeof tamper extends fc.Arbitrary<infer T> ? T : never;

/** Bends by whole characters: a token arrives as text (a header or a query), never half a surrogate pair. */
function bend(token: string, t: Tamper): string {
  const chars = [...token];
  const at = 'at' in t ? t.at % (chars.length + 1) : 0;
  switch (t.kind) {
    case 'none':
      return token;
    case 'replace':
      return [...chars.slice(0, at), t.ch, ...chars.slice(at + 1)].join('');
    case 'insert':
      return [...chars.slice(0, at), t.ch, ...chars.slice(at)].join('');
    case 'alphabet':
      return token.replace('-', '+').replace('_', '/');
    case 'cut':
      return chars.slice(0, at).join('');
  }
}

describe(`channelstream signer, property-based against itsdangerous (seed ${SEED})`, () => {
  it('signs as Python does, for any secret, value and second', () => {
    const cases = samples(fc.record({ secret: text(40), value: text(40), ts: fc.integer({ min: 0, max: 2 ** 40 }) }), 500);
    const theirs = python<string[]>(PY_SIGN, cases);
    for (const [i, c] of cases.entries()) expect(sign(c.secret, c.value, c.ts), JSON.stringify(c)).toBe(theirs[i]);
  });

  it('accepts and refuses exactly the tokens Python does, however they were bent', () => {
    const cases = samples(fc.record({ secret: text(20), other: fc.boolean(), value: text(20), tamper }), 600).map((c) => {
      const token = bend(sign(c.secret, c.value), c.tamper);
      return { secret: c.other ? c.secret + 'x' : c.secret, token };
    });
    const theirs = python<(string | null)[]>(PY_UNSIGN, cases);
    for (const [i, c] of cases.entries()) expect(ours(c.secret, c.token), JSON.stringify(c)).toBe(theirs[i]);
  });

  it("decodes base64 as leniently as Python's urlsafe_b64decode on the ASCII of the text", () => {
    const chars = fc.constantFrom(...'AQgw09+/-_=.!é \n'.split(''), 'ab', 'Zm9v');
    const inputs = samples(fc.array(chars, { maxLength: 16 }).map((cs) => cs.join('')), 2000);
    const theirs = python<(string | null)[]>(PY_B64, inputs);
    for (const [i, s] of inputs.entries()) {
      let got: string | null;
      try {
        got = lenientBase64(s).toString('hex');
      } catch (err) {
        if (!(err instanceof BadSignature)) throw err;
        got = null;
      }
      expect(got, JSON.stringify(s)).toBe(theirs[i]);
    }
  });
});
