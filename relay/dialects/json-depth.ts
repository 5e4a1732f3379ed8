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
 * `stopAbove`. As UTF-8 bytes or as a string: the characters that matter are ASCII either way.
 */
export function jsonDepth(json: Buffer | string, stopAbove = Infinity): number {
  const at = typeof json === 'string' ? (i: number) => json.charCodeAt(i) : (i: number) => json[i];
  let depth = 0;
  let most = 0;
  for (let i = 0; i < json.length && most <= stopAbove; i++) {
    const b = at(i);
    if (b === QUOTE) {
      for (i++; i < json.length && at(i) !== QUOTE; i++) if (at(i) === BACKSLASH) i++;
    } else if (b === OPEN_ARRAY || b === OPEN_OBJECT) most = Math.max(most, ++depth);
    else if (b === CLOSE_ARRAY || b === CLOSE_OBJECT) depth--;
  }
  return most;
}

/** Whether a JSON text nests deeper than `max`; a text shorter than that cannot (each level takes a character). */
export const nestsDeeper = (json: Buffer | string, max: number): boolean => json.length > max && jsonDepth(json, max) > max;

export const tooDeep = (max: number): string => `nested deeper than ${max} levels`;
