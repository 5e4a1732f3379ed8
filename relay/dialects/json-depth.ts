/**
 * How deeply a JSON text nests, checked before it is parsed. The originals' own parsers stop at
 * a depth: Python's json raises RecursionError a little under 1000 levels (993 from the top of
 * a fresh interpreter, less under a server's call stack), serde_json at 128. Past it the
 * relay refuses the frame clearly, before re-serializing, pretty-printing or storing a value
 * whose every level costs more work and output.
 */

/** msg-relay, compendium and channelstream: under Python's recursion limit, with room for the original's own frames. */
export const PYTHON_JSON_DEPTH = 980;
/** intercessor: serde_json's recursion limit of 128 counts the outermost value as the first level. */
export const SERDE_JSON_DEPTH = 127;

const OPEN_ARRAY = 0x5b;
const OPEN_OBJECT = 0x7b;
const CLOSE_ARRAY = 0x5d;
const CLOSE_OBJECT = 0x7d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * How deeply a JSON text nests arrays and objects, strings skipped; it stops counting once past
 * `stopAbove`. The characters that matter are ASCII, so a string is read as its UTF-8 bytes.
 * It runs on every frame, so strings, most of a frame's bytes, are skipped by Buffer.indexOf
 * (native) to their closing quote rather than byte by byte.
 */
export function jsonDepth(json: Buffer | string, stopAbove = Infinity): number {
  const bytes = typeof json === 'string' ? Buffer.from(json) : json;
  let depth = 0;
  let most = 0;
  for (let i = 0; i < bytes.length && most <= stopAbove; i++) {
    const b = bytes[i];
    if (b === QUOTE) i = closingQuote(bytes, i);
    else if (b === OPEN_ARRAY || b === OPEN_OBJECT) most = Math.max(most, ++depth);
    else if (b === CLOSE_ARRAY || b === CLOSE_OBJECT) depth--;
  }
  return most;
}

/** Where the string opened at `open` ends (the length when it does not): the first quote after an even run of backslashes. */
function closingQuote(bytes: Buffer, open: number): number {
  for (let from = open + 1; ; ) {
    const q = bytes.indexOf(QUOTE, from);
    if (q < 0) return bytes.length;
    // The run stops at the latest quote at worst, so all the runs together read each byte once.
    let k = q - 1;
    while (bytes[k] === BACKSLASH) k--;
    if ((q - 1 - k) % 2 === 0) return q;
    from = q + 1;
  }
}

/** Whether a JSON text nests deeper than `max`; a text shorter than that cannot (each level takes a character). */
export const nestsDeeper = (json: Buffer | string, max: number): boolean => json.length > max && jsonDepth(json, max) > max;

export const tooDeep = (max: number): string => `nested deeper than ${max} levels`;
