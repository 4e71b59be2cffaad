import { PdfError } from '../core/errors';
import type { PdfDict } from '../core/objects';
import { PdfString } from '../core/objects';
import { type ByteSource, chunkReader } from '../core/source';
import type { SignedBytes } from '../cms/signature-algorithms';
import type { Verdict } from './verdict';

/**
 * What a signature or document time-stamp dictionary covers, once its /ByteRange is found to name bytes of the file.
 * The signed bytes are exactly those the /ByteRange names, whatever its shape; a shape other than the standard one
 * (ISO 32000-1 12.8.1: from 0 to /Contents, then from after /Contents to the end of a revision) is described in
 * `coverageAnomalies`, for the caller to judge.
 */
export interface SignedRange {
  byteRange: number[];
  /** The /Contents string's bytes (the CMS, possibly zero-padded). */
  contents: Uint8Array;
  /** End of the last range: with standard coverage, the signed revision ends here. */
  signedLength: number;
  /** Standard coverage up to the end of the file. */
  coversWholeDocument: boolean;
  /** 1-based number of the revision the range ends with, when it ends at a %%EOF. */
  coveredRevision?: number;
  /**
   * Why the coverage is not the standard one (pyHanko's NONSTANDARD_COVERAGE; DSS's ByteRange checks): bytes
   * outside /Contents left unsigned, ranges other than two, a signed part that stops inside a revision. Empty when
   * the coverage is standard.
   */
  coverageAnomalies: string[];
  /** The signed bytes, streamed from the source on each read. */
  content: SignedBytes;
}

const CHUNK = 1 << 20;

/** Streams `[offset, offset + length)` ranges of a source in 1 MiB chunks, each overwriting the last (see SignedBytes). */
export function rangesOf(src: ByteSource, ranges: readonly (readonly [number, number])[]): SignedBytes {
  return async function* () {
    const read = chunkReader(src, CHUNK);
    for (const [offset, length] of ranges) {
      for (let pos = offset; pos < offset + length;) {
        const chunk = await read(pos, Math.min(CHUNK, offset + length - pos));
        if (chunk.length === 0)
          throw new PdfError('MALFORMED_PDF', `range ends beyond end of file at ${pos}`);
        yield chunk;
        pos += chunk.length;
      }
    }
  };
}

/**
 * Whether `end` closes a revision: just past a %%EOF marker, with or without its end-of-line (ISO 32000-1 7.5.5; the
 * end-of-line is whitespace some signers leave out of the /ByteRange), or at the end of the file.
 */
async function endsRevision(src: ByteSource, end: number, revEnds: readonly number[]): Promise<boolean> {
  if (end === src.size || revEnds.includes(end)) return true;
  return end >= 5 && Buffer.from(await src.read(end - 5, 5)).toString('latin1') === '%%EOF';
}

/** How `ranges` differ from the standard coverage of a signature whose /Contents string spans `contents`. */
async function coverageAnomalies(
  src: ByteSource,
  ranges: readonly (readonly [number, number])[],
  contents: { start: number; end: number },
  revEnds: readonly number[],
): Promise<string[]> {
  const out: string[] = [];
  if (ranges.length !== 2) out.push(`/ByteRange names ${ranges.length} ranges instead of two`);
  const [first, second] = ranges;
  if (first![0] !== 0) out.push(`bytes 0 to ${first![0]} are not signed`);
  const gapStart = first![0] + first![1];
  const gapEnd = second?.[0];
  if (gapEnd === undefined || gapStart !== contents.start || gapEnd !== contents.end)
    out.push(
      `the unsigned gap (${gapStart} to ${gapEnd ?? src.size}) is not exactly the /Contents string (${contents.start} to ${contents.end})`,
    );
  const [lastStart, lastLength] = ranges[ranges.length - 1]!;
  const end = lastStart + lastLength;
  if (!(await endsRevision(src, end, revEnds)))
    out.push(
      `the signed bytes stop at ${end}, inside a revision: the rest of the file is not a signed revision plus updates`,
    );
  return out;
}

/**
 * Checks /ByteRange and /Contents of a signature dictionary (ISO 32000-1 12.8.1). The /ByteRange must be pairs of
 * non-negative integers (offset, length), ascending, not overlapping, within the file, and /Contents a hex string of
 * an uncompressed object: otherwise a FORMAT_FAILURE is recorded in `v` and undefined returned, since what is signed
 * cannot even be named. Any other departure from the standard coverage is returned in `coverageAnomalies`: the
 * signed bytes are those named, and whether the coverage is acceptable is a separate question (pyHanko reports such
 * a signature intact with a non-standard coverage).
 */
export async function checkByteRange(
  v: Verdict,
  src: ByteSource,
  sig: PdfDict,
  /** Offset of the uncompressed object holding `sig`; undefined when it sits in an object stream. */
  containerOffset: number | undefined,
  revEnds: readonly number[],
): Promise<SignedRange | undefined> {
  const br = sig.get('ByteRange');
  const contents = sig.get('Contents');
  if (
    !Array.isArray(br) ||
    br.length === 0 ||
    br.length % 2 !== 0 ||
    !br.every((x) => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0)
  ) {
    v.fail('TOTAL_FAILED', 'FORMAT_FAILURE', '/ByteRange is not pairs of non-negative integers');
    return undefined;
  }
  const nums = br as number[];
  const ranges: [number, number][] = [];
  for (let i = 0; i < nums.length; i += 2) ranges.push([nums[i]!, nums[i + 1]!]);
  let pos = 0;
  for (const [offset, length] of ranges) {
    if (offset < pos || offset + length > src.size) {
      v.fail(
        'TOTAL_FAILED',
        'FORMAT_FAILURE',
        '/ByteRange ranges are not ascending, separate and within the file',
      );
      return undefined;
    }
    pos = offset + length;
  }
  if (!(contents instanceof PdfString) || !contents.hex || !contents.span || containerOffset === undefined) {
    v.fail('TOTAL_FAILED', 'FORMAT_FAILURE', '/Contents is not a hex string in an uncompressed object');
    return undefined;
  }
  const anomalies = await coverageAnomalies(src, ranges, contents.span, revEnds);
  const rev = revEnds.indexOf(pos);
  return {
    byteRange: nums,
    contents: contents.bytes,
    signedLength: pos,
    coversWholeDocument: anomalies.length === 0 && pos === src.size,
    ...(rev >= 0 ? { coveredRevision: rev + 1 } : {}),
    coverageAnomalies: anomalies,
    content: rangesOf(src, ranges),
  };
}

/** Ends of the revisions: each %%EOF marker with its end-of-line (ISO 32000-1 7.5.5, 7.5.6). */
export async function revisionEnds(src: ByteSource): Promise<number[]> {
  const ends: number[] = [];
  const read = chunkReader(src, CHUNK);
  for (let pos = 0; pos < src.size; pos += CHUNK - 8) {
    const buf = await read(pos, CHUNK);
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
