import { PdfError } from '../core/errors';
import type { PdfDict } from '../core/objects';
import { PdfString } from '../core/objects';
import type { ByteSource } from '../core/source';
import type { SignedBytes } from '../cms/signature-algorithms';
import type { Verdict } from './verdict';

/** What a signature or document time-stamp dictionary covers, once its /ByteRange is found sound. */
export interface SignedRange {
  byteRange: [number, number, number, number];
  /** The /Contents string's bytes (the CMS, possibly zero-padded). */
  contents: Uint8Array;
  /** Bytes covered: the signed revision ends here. */
  signedLength: number;
  coversWholeDocument: boolean;
  /** 1-based number of the revision the range ends with, when it ends at a %%EOF. */
  coveredRevision?: number;
  /** The signed bytes, streamed from the source on each read. */
  content: SignedBytes;
}

const CHUNK = 1 << 20;

/** Streams `[offset, offset + length)` ranges of a source in 1 MiB chunks. */
export function rangesOf(src: ByteSource, ranges: readonly (readonly [number, number])[]): SignedBytes {
  return async function* () {
    for (const [offset, length] of ranges) {
      for (let pos = offset; pos < offset + length;) {
        const chunk = await src.read(pos, Math.min(CHUNK, offset + length - pos));
        if (chunk.length === 0)
          throw new PdfError('MALFORMED_PDF', `range ends beyond end of file at ${pos}`);
        yield chunk;
        pos += chunk.length;
      }
    }
  };
}

/**
 * Checks /ByteRange and /Contents of a signature dictionary (ISO 32000-1 12.8.1): four non-negative integers, starting
 * at 0 and leaving out exactly the /Contents hex string of an uncompressed object, within the file. Records a
 * FORMAT_FAILURE in `v` and returns undefined when they are not.
 */
export function checkByteRange(
  v: Verdict,
  src: ByteSource,
  sig: PdfDict,
  /** Offset of the uncompressed object holding `sig`; undefined when it sits in an object stream. */
  containerOffset: number | undefined,
  revEnds: readonly number[],
): SignedRange | undefined {
  const br = sig.get('ByteRange');
  const contents = sig.get('Contents');
  if (
    !Array.isArray(br) ||
    br.length !== 4 ||
    !br.every((x) => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0)
  ) {
    v.fail('TOTAL_FAILED', 'FORMAT_FAILURE', '/ByteRange is not four non-negative integers');
    return undefined;
  }
  const [a, b, c, d] = br as [number, number, number, number];
  if (!(contents instanceof PdfString) || !contents.hex || !contents.span || containerOffset === undefined) {
    v.fail('TOTAL_FAILED', 'FORMAT_FAILURE', '/Contents is not a hex string in an uncompressed object');
    return undefined;
  }
  if (a !== 0 || b !== contents.span.start || c !== contents.span.end || c + d > src.size || b >= c) {
    v.fail('TOTAL_FAILED', 'FORMAT_FAILURE', '/ByteRange does not cover the file except exactly /Contents');
    return undefined;
  }
  const signedLength = c + d;
  const rev = revEnds.indexOf(signedLength);
  return {
    byteRange: [a, b, c, d],
    contents: contents.bytes,
    signedLength,
    coversWholeDocument: signedLength === src.size,
    ...(rev >= 0 ? { coveredRevision: rev + 1 } : {}),
    content: rangesOf(src, [
      [0, b],
      [c, d],
    ]),
  };
}

/** Ends of the revisions: each %%EOF marker with its end-of-line (ISO 32000-1 7.5.5, 7.5.6). */
export async function revisionEnds(src: ByteSource): Promise<number[]> {
  const ends: number[] = [];
  for (let pos = 0; pos < src.size; pos += CHUNK - 8) {
    const buf = Buffer.from(await src.read(pos, CHUNK));
    for (let at = buf.indexOf('%%EOF'); at >= 0; at = buf.indexOf('%%EOF', at + 1)) {
      let end = pos + at + 5;
      if (ends.includes(end)) continue;
      const after = await src.read(end, 2);
      if (after[0] === 0x0d) end++;
      if (after[after[0] === 0x0d ? 1 : 0] === 0x0a) end++;
      ends.push(end);
    }
    if (buf.length < CHUNK) break;
  }
  return [...new Set(ends)].sort((a, b) => a - b);
}
