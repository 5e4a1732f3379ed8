/**
 * Python's fnmatch.fnmatch on POSIX, which the original relay uses for meta_filter: `*`, `?`,
 * `[seq]` and `[!seq]`, case-sensitive, matching the whole string (newlines included). A `[`
 * without a closing `]` is a literal, a `]` right after `[` or `[!` is a member, and a reversed
 * range such as `z-a` matches nothing, as in Python 3.11.
 */

const cache = new Map<string, RegExp>();
const CACHE_MAX = 256;

const esc = (ch: string): string => `\\u{${ch.codePointAt(0)!.toString(16)}}`;

function classSource(body: string[], negated: boolean): string {
  let out = '';
  for (let k = 0; k < body.length; k++) {
    const lo = body[k]!;
    if (body[k + 1] === '-' && k + 2 < body.length) {
      const hi = body[k + 2]!;
      if (lo.codePointAt(0)! <= hi.codePointAt(0)!) out += `${esc(lo)}-${esc(hi)}`;
      k += 2;
    } else out += esc(lo);
  }
  if (!out) return negated ? '[\\s\\S]' : '(?!)';
  return negated ? `[^${out}]` : `[${out}]`;
}

export function translate(pattern: string): string {
  const p = [...pattern];
  let src = '';
  for (let i = 0; i < p.length; ) {
    const c = p[i++]!;
    if (c === '*') {
      if (!src.endsWith('[\\s\\S]*')) src += '[\\s\\S]*';
    } else if (c === '?') src += '[\\s\\S]';
    else if (c === '[') {
      let j = i;
      if (p[j] === '!') j++;
      if (p[j] === ']') j++;
      while (j < p.length && p[j] !== ']') j++;
      if (j >= p.length) {
        src += esc('[');
        continue;
      }
      const negated = p[i] === '!';
      src += classSource(p.slice(negated ? i + 1 : i, j), negated);
      i = j + 1;
    } else src += esc(c);
  }
  return `^(?:${src})$`;
}

export function fnmatch(name: string, pattern: string): boolean {
  let re = cache.get(pattern);
  if (!re) {
    if (cache.size >= CACHE_MAX) cache.clear();
    re = new RegExp(translate(pattern), 'u');
    cache.set(pattern, re);
  }
  return re.test(name);
}
