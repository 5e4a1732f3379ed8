import { readFile } from 'node:fs/promises';
import { CaptureFormatError, parseCapture, type Capture } from './format.js';

/** Reads a capture file; an unreadable or malformed one is a CaptureFormatError naming the file. */
export async function readCapture(file: string): Promise<Capture> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new CaptureFormatError(`cannot read the capture "${file}": ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  try {
    return parseCapture(text);
  } catch (err) {
    if (err instanceof CaptureFormatError) throw new CaptureFormatError(`${file}: ${err.message}`);
    throw err;
  }
}
