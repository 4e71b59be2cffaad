import { PdfError } from './errors';
import { type ByteSource, asBuffer } from './source';

const CHUNK = 1 << 20;

/** True when `endstream` follows `at`, after optional whitespace (ISO 32000-1 7.3.8.1 allows an EOL before it). */
export async function endstreamAt(src: ByteSource, at: number): Promise<boolean> {
  const b = Buffer.from(await src.read(at, 32)).toString('latin1');
  return /^[\0\t\n\f\r ]*endstream/.test(b);
}

/**
 * Length of the data of a stream starting at `dataStart`, measured up to the next `endstream` keyword without the
 * EOL before it (7.3.8.1), for a stream whose /Length is wrong, dangling or missing. Throws MALFORMED_PDF when no
 * `endstream` follows.
 */
export async function measureStream(src: ByteSource, dataStart: number): Promise<number> {
  for (let pos = dataStart; pos < src.size; pos += CHUNK - 16) {
    const buf = asBuffer(await src.read(pos, CHUNK));
    const at = buf.indexOf('endstream');
    if (at >= 0) {
      let end = pos + at;
      const prev = await src.read(Math.max(dataStart, end - 2), end - Math.max(dataStart, end - 2));
      if (prev.length === 2 && prev[0] === 0x0d && prev[1] === 0x0a) end -= 2;
      else if (prev.length >= 1 && (prev[prev.length - 1] === 0x0a || prev[prev.length - 1] === 0x0d))
        end -= 1;
      return end - dataStart;
    }
    if (buf.length < CHUNK) break;
  }
  throw new PdfError('MALFORMED_PDF', `stream at ${dataStart} has no end`);
}
