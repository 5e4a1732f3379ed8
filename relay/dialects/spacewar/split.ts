/**
 * Python's `str.split(None, 1)` and `bytes.split(None, 1)`, which the Spacewar relay parses every
 * frame with: leading whitespace is skipped, the first whitespace run ends the first part, and
 * the rest keeps its own inner and trailing whitespace. splitTwo returns undefined when there
 * are not two parts.
 */

/** Every character for which Python's str.isspace() is true. JavaScript's \s differs (it has U+FEFF, lacks U+001C-U+001F and U+0085). */
const STR_WHITESPACE = '\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
/** bytes.split() splits on ASCII whitespace only. */
const BYTES_WHITESPACE = '\\t\\n\\v\\f\\r ';

const splitter = (ws: string): RegExp => new RegExp(`^[${ws}]*([^${ws}]+)[${ws}]+([^${ws}][^]*)$`);
const STR_SPLIT = splitter(STR_WHITESPACE);
const BYTES_SPLIT = splitter(BYTES_WHITESPACE);

export function splitTwo(text: string): [string, string] | undefined {
  const m = STR_SPLIT.exec(text);
  return m ? [m[1]!, m[2]!] : undefined;
}

/** Whether raw bytes split in two the same way (latin1 keeps one character per byte). */
export function bytesSplitInTwo(data: Buffer): boolean {
  return BYTES_SPLIT.test(data.toString('latin1'));
}
