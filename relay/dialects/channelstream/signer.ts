import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * itsdangerous' TimestampSigner with its defaults, as channelstream's backends sign requests:
 * key = SHA1("itsdangerous.Signer" + "signer" + secret), HMAC-SHA1, unpadded base64url, and a
 * big-endian seconds timestamp. Verification decodes leniently like Python's base64, so tokens
 * from the JavaScript signer (standard-alphabet characters and a stray "=") verify too.
 */

const SEP = '.';

export class BadSignature extends Error {
  override name = 'BadSignature';
}

function deriveKey(secret: string): Buffer {
  return createHash('sha1').update('itsdangerous.Signer').update('signer').update(secret, 'utf8').digest();
}

function mac(secret: string, payload: Buffer): Buffer {
  return createHmac('sha1', deriveKey(secret)).update(payload).digest();
}

/** itsdangerous' int_to_bytes: big-endian, as few bytes as the number needs, none for 0. */
function intToBytes(n: number): Buffer {
  if (Math.trunc(n) === 0) return Buffer.alloc(0);
  let hex = Math.trunc(n).toString(16);
  if (hex.length % 2) hex = '0' + hex;
  return Buffer.from(hex, 'hex');
}

/** Signs `value` at `nowSeconds` (the current time unless given). */
export function sign(secret: string, value: string, nowSeconds = Date.now() / 1000): string {
  const payload = `${value}${SEP}${intToBytes(nowSeconds).toString('base64url')}`;
  return `${payload}${SEP}${mac(secret, Buffer.from(payload, 'utf8')).toString('base64url')}`;
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const SEXTET = new Map([...ALPHABET].map((c, i) => [c, i]));

/**
 * Python's `base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))` on the ASCII of `s`: both
 * alphabets, characters outside them skipped, decoding stops at a complete padding.
 */
export function lenientBase64(text: string): Buffer {
  // eslint-disable-next-line no-control-regex
  let s = text.replace(/[^\x00-\x7f]/g, '');
  s += '='.repeat((4 - (s.length % 4)) % 4);
  const out: number[] = [];
  let quad = 0;
  let left = 0;
  let pads = 0;
  for (const ch of s.replace(/-/g, '+').replace(/_/g, '/')) {
    if (ch === '=') {
      if (quad >= 2 && quad + ++pads >= 4) return Buffer.from(out);
      continue;
    }
    const v = SEXTET.get(ch);
    if (v === undefined) continue;
    pads = 0;
    if (quad === 0) left = v;
    else if (quad === 1) {
      out.push(((left << 2) | (v >> 4)) & 0xff);
      left = v & 0x0f;
    } else if (quad === 2) {
      out.push(((left << 4) | (v >> 2)) & 0xff);
      left = v & 0x03;
    } else out.push(((left << 6) | v) & 0xff);
    quad = (quad + 1) % 4;
  }
  if (quad !== 0) throw new BadSignature('incorrect base64 padding');
  return Buffer.from(out);
}

export interface UnsignOptions {
  /** Oldest accepted age in seconds; undefined skips the age check. Future timestamps always fail it. */
  maxAgeSeconds?: number;
  nowSeconds?: number;
}

/** Returns the signed value, or throws BadSignature saying what is wrong. */
export function unsign(secret: string, token: string, opts: UnsignOptions = {}): string {
  const cut = token.lastIndexOf(SEP);
  if (cut < 0) throw new BadSignature('no separator in the token');
  const payload = Buffer.from(token.slice(0, cut), 'utf8');
  let sig: Buffer;
  try {
    sig = lenientBase64(token.slice(cut + 1));
  } catch {
    throw new BadSignature('the signature is not base64');
  }
  const expected = mac(secret, payload);
  if (sig.length !== expected.length || !timingSafeEqual(sig, expected)) throw new BadSignature('the signature does not match');
  const text = payload.toString('utf8');
  const tsCut = text.lastIndexOf(SEP);
  if (tsCut < 0) throw new BadSignature('the timestamp is missing');
  let tsBytes: Buffer;
  try {
    tsBytes = lenientBase64(text.slice(tsCut + 1));
  } catch {
    throw new BadSignature('malformed timestamp');
  }
  if (tsBytes.length > 8) throw new BadSignature('malformed timestamp');
  const ts = tsBytes.length ? Number(BigInt('0x' + tsBytes.toString('hex'))) : 0;
  if (opts.maxAgeSeconds !== undefined) {
    const age = Math.trunc(opts.nowSeconds ?? Date.now() / 1000) - ts;
    if (age > opts.maxAgeSeconds) throw new BadSignature(`the signature is ${age} s old, over ${opts.maxAgeSeconds} s`);
    if (age < 0) throw new BadSignature('the signature is dated in the future');
  }
  return text.slice(0, tsCut);
}
