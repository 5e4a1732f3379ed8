import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { fnmatch } from '../../relay/dialects/msg-relay/fnmatch.js';

const NAMES = ['client-1', 'client-2', 'CLIENT-3', 'tech', 'a]b', 'a[b', '[x', 'a-b', 'z', 'line\nbreak', '', 'ñandú', '😀x', 'a*b', '!x', '^x', 'b'];
const PATTERNS = [
  '*', '', '?', 'client-?', 'CLIENT*', 'client-[12]', 'client-[!1]', '[]]', 'a[]]b', '[!]]', '[a-c]', '[z-a]', '[az-ab]',
  '[-a]', '[a-]', 'a[', '[', '[!', '[!]', 'a[[]b', '*b', 'line*', '?x', '[!a-y]', 'a\\*b', 'a[*]b', '[!!]x', '[^x]x', '\\', '.*', 'a-b', '[a-c-e]', '*-*',
];

describe("meta_filter matches exactly like Python's fnmatch", () => {
  it('agrees with /usr/bin/python3 on every name and pattern', () => {
    const script = 'import fnmatch, json, sys\nnames, pats = json.load(sys.stdin)\nprint(json.dumps([[fnmatch.fnmatch(n, p) for n in names] for p in pats]))';
    const python: boolean[][] = JSON.parse(execFileSync('/usr/bin/python3', ['-c', script], { input: JSON.stringify([NAMES, PATTERNS]) }).toString());
    const ours = PATTERNS.map((p) => NAMES.map((n) => fnmatch(n, p)));
    expect(ours).toEqual(python);
    // The table is not trivial: both outcomes occur.
    expect(ours.flat()).toContain(true);
    expect(ours.flat()).toContain(false);
  });
});
