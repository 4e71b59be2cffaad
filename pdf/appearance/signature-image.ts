import { inflateSync } from 'node:zlib';
import { PDFDocument } from 'pdf-lib';

/** Limits of an uploaded seal or signature image. */
export const SIGNATURE_IMAGE_LIMITS = { maxBytes: 512 * 1024, maxSide: 2000, minSide: 32 } as const;

export type SignatureImageCheck =
  | { ok: true; width: number; height: number }
  | {
      ok: false;
      /** Maps to the HTTP status: 415 not a PNG, 413 too large, 422 a PNG that cannot serve. */
      code: 'UNSUPPORTED_MEDIA_TYPE' | 'PAYLOAD_TOO_LARGE' | 'DOMAIN_VALIDATION';
      message: string;
    };

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function looksLikeSvg(bytes: Uint8Array): boolean {
  const head = Buffer.from(bytes.subarray(0, 512)).toString('utf8').trimStart().toLowerCase();
  return head.startsWith('<svg') || (head.startsWith('<?xml') && head.includes('<svg'));
}

/** The chunks of a PNG (spec 5.3): types before the image data, and the data; undefined when the layout is broken. */
function readChunks(b: Buffer): { before: string[]; data: Buffer } | undefined {
  const before: string[] = [];
  const data: Buffer[] = [];
  for (let at = 8; at + 8 <= b.length;) {
    const length = b.readUInt32BE(at);
    const type = b.toString('latin1', at + 4, at + 8);
    if (at + 12 + length > b.length) return undefined;
    if (type === 'IDAT') data.push(b.subarray(at + 8, at + 8 + length));
    else if (data.length === 0) before.push(type);
    if (type === 'IEND') return data.length ? { before, data: Buffer.concat(data) } : undefined;
    at += 12 + length;
  }
  return undefined;
}

const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/**
 * Whether the image data inflates (zlib checks its own checksum) to exactly the rows the header promises, each
 * with a valid filter byte. Checked here with node's zlib because pdf-lib's PNG decoder never returns on some
 * corrupt data (a 64×64 PNG with 16 bytes overwritten kept it busy for minutes): only sound data reaches it.
 */
function dataIsSound(b: Buffer, data: Buffer, width: number, height: number): boolean {
  const channels = CHANNELS[b[25]!];
  const depth = b[24]!;
  if (!channels || ![1, 2, 4, 8, 16].includes(depth)) return false;
  const rowBytes = Math.ceil((width * channels * depth) / 8);
  const expected = height * (rowBytes + 1);
  let raw: Buffer;
  try {
    raw = inflateSync(data, { maxOutputLength: expected + 1 });
  } catch {
    return false;
  }
  if (raw.length !== expected) return false;
  for (let row = 0; row < height; row++) if (raw[row * (rowBytes + 1)]! > 4) return false;
  return true;
}

/**
 * Checks an uploaded seal or signature image: a PNG (SVG is refused: drawing it safely needs a renderer the project
 * does not ship), within {@link SIGNATURE_IMAGE_LIMITS}, with transparency (an alpha channel or a tRNS chunk, so
 * the document shows through around the ink), not interlaced, with image data that inflates to the rows the
 * header promises, and decodable (it is embedded once in a scratch document).
 */
export async function checkSignatureImage(bytes: Uint8Array): Promise<SignatureImageCheck> {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (looksLikeSvg(b))
    return {
      ok: false,
      code: 'UNSUPPORTED_MEDIA_TYPE',
      message: 'SVG is not accepted: upload a PNG with transparency',
    };
  if (b.length < 33 || !PNG_MAGIC.every((x, i) => b[i] === x) || b.toString('latin1', 12, 16) !== 'IHDR')
    return { ok: false, code: 'UNSUPPORTED_MEDIA_TYPE', message: 'the image must be a PNG' };
  if (b.length > SIGNATURE_IMAGE_LIMITS.maxBytes)
    return {
      ok: false,
      code: 'PAYLOAD_TOO_LARGE',
      message: `the image is larger than ${SIGNATURE_IMAGE_LIMITS.maxBytes} bytes`,
    };
  const width = b.readUInt32BE(16);
  const height = b.readUInt32BE(20);
  const { minSide, maxSide } = SIGNATURE_IMAGE_LIMITS;
  if (Math.min(width, height) < minSide || Math.max(width, height) > maxSide)
    return {
      ok: false,
      code: 'DOMAIN_VALIDATION',
      message: `the image is ${width}×${height} pixels; each side must be ${minSide}–${maxSide}`,
    };
  const colourType = b[25]!;
  const chunks = readChunks(b);
  if (!chunks) return { ok: false, code: 'DOMAIN_VALIDATION', message: 'the PNG is truncated or malformed' };
  if (b[28] !== 0)
    return {
      ok: false,
      code: 'DOMAIN_VALIDATION',
      message: 'interlaced PNGs are not accepted: save it without interlacing',
    };
  if (colourType !== 4 && colourType !== 6 && !chunks.before.includes('tRNS'))
    return {
      ok: false,
      code: 'DOMAIN_VALIDATION',
      message: 'the image has no transparency: export it as a PNG with an alpha channel',
    };
  if (!dataIsSound(b, chunks.data, width, height))
    return { ok: false, code: 'DOMAIN_VALIDATION', message: 'the PNG image data is corrupt' };
  try {
    const scratch = await PDFDocument.create();
    await scratch.embedPng(b);
    await scratch.save();
  } catch (err) {
    return {
      ok: false,
      code: 'DOMAIN_VALIDATION',
      message: `the PNG cannot be decoded: ${(err as Error).message}`,
    };
  }
  return { ok: true, width, height };
}
