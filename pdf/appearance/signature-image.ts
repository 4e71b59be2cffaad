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

/** Chunk types up to the first IDAT (PNG spec 5.3); undefined when the chunk layout is broken. */
function chunkTypesBeforeData(b: Buffer): string[] | undefined {
  const types: string[] = [];
  for (let at = 8; at + 8 <= b.length;) {
    const length = b.readUInt32BE(at);
    const type = b.toString('latin1', at + 4, at + 8);
    if (at + 12 + length > b.length) return undefined;
    if (type === 'IDAT') return types;
    types.push(type);
    at += 12 + length;
  }
  return undefined;
}

/**
 * Checks an uploaded seal or signature image: a PNG (SVG is refused: drawing it safely needs a renderer the project
 * does not ship), within {@link SIGNATURE_IMAGE_LIMITS}, with transparency (an alpha channel or a tRNS chunk, so
 * the document shows through around the ink), and decodable (it is embedded once in a scratch document).
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
  const types = chunkTypesBeforeData(b);
  if (!types) return { ok: false, code: 'DOMAIN_VALIDATION', message: 'the PNG is truncated or malformed' };
  if (colourType !== 4 && colourType !== 6 && !types.includes('tRNS'))
    return {
      ok: false,
      code: 'DOMAIN_VALIDATION',
      message: 'the image has no transparency: export it as a PNG with an alpha channel',
    };
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
