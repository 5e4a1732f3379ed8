/**
 * intercessor's one frame shape, {from, to, type, message}, in that key order on the way out.
 * On the way in it is read as the original's serde struct: the four keys (or a four-element
 * array in that order), strings except `message`, which may be any JSON value; extra keys are
 * ignored. `from` may be left out (D5): the relay knows who sent it.
 */

export interface InboundFrame {
  from: string | undefined;
  to: string;
  type: string;
  message: unknown;
}

export function encodeFrame(from: string, to: string, type: string, message: unknown): string {
  return JSON.stringify({ from, to, type, message });
}

/** The frame, or what is wrong with it. */
export function decodeFrame(text: string): InboundFrame | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return `invalid JSON: ${(err as Error).message}`;
  }
  if (Array.isArray(value)) {
    if (value.length !== 4) return `a frame as an array has 4 elements [from, to, type, message], not ${value.length}`;
    const [from, to, type, message] = value as unknown[];
    value = { from, to, type, message };
  }
  if (typeof value !== 'object' || value === null) return 'a frame must be a JSON object {from, to, type, message}';
  const f = value as Record<string, unknown>;
  if (!('message' in f)) return 'missing field "message"';
  for (const key of ['to', 'type'] as const) if (typeof f[key] !== 'string') return `field "${key}" must be a string`;
  if (f.from !== undefined && typeof f.from !== 'string') return 'field "from" must be a string';
  return { from: f.from, to: f.to as string, type: f.type as string, message: f.message };
}
