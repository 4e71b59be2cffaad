import { inflateSync } from 'node:zlib';
import { PdfError } from './errors';
import { type PdfDict, type PdfValue, PdfName, isDict, numberOf } from './objects';

/** Upper bound for decoded structural streams (xref and object streams). */
export const MAX_DECODED_STREAM = 64 * 1024 * 1024;

function filters(dict: PdfDict): { names: string[]; parms: (PdfDict | undefined)[] } {
  const f = dict.get('Filter');
  const p = dict.get('DecodeParms');
  const names = (Array.isArray(f) ? f : f === undefined ? [] : [f]).map((x: PdfValue) => {
    if (!(x instanceof PdfName)) throw new PdfError('MALFORMED_PDF', 'stream /Filter is not a name');
    return x.name;
  });
  const parms = (Array.isArray(p) ? p : [p]).map((x) => (isDict(x) ? x : undefined));
  return { names, parms };
}

/** Undoes the PNG predictors of FlateDecode (ISO 32000-1 7.4.4.4) for 8-bit components. */
function unpredict(data: Uint8Array, parms: PdfDict | undefined): Uint8Array {
  const predictor = numberOf(parms?.get('Predictor')) ?? 1;
  if (predictor === 1) return data;
  if (predictor < 10)
    throw new PdfError('UNSUPPORTED_FILTER', `TIFF predictor ${predictor} is not supported`);
  const colors = numberOf(parms?.get('Colors')) ?? 1;
  const bpc = numberOf(parms?.get('BitsPerComponent')) ?? 8;
  const columns = numberOf(parms?.get('Columns')) ?? 1;
  const bpp = Math.max(1, Math.ceil((colors * bpc) / 8));
  const rowLen = Math.ceil((colors * bpc * columns) / 8);
  if (rowLen <= 0 || rowLen > 1 << 20) throw new PdfError('MALFORMED_PDF', 'bad predictor /Columns');
  const rows = Math.floor(data.length / (rowLen + 1));
  const out = new Uint8Array(rows * rowLen);
  let prev = new Uint8Array(rowLen);
  for (let r = 0; r < rows; r++) {
    const type = data[r * (rowLen + 1)]!;
    const src = data.subarray(r * (rowLen + 1) + 1, (r + 1) * (rowLen + 1));
    const cur = out.subarray(r * rowLen, (r + 1) * rowLen);
    for (let i = 0; i < rowLen; i++) {
      const left = i >= bpp ? cur[i - bpp]! : 0;
      const up = prev[i]!;
      const upLeft = i >= bpp ? prev[i - bpp]! : 0;
      let v = src[i]!;
      if (type === 1) v += left;
      else if (type === 2) v += up;
      else if (type === 3) v += (left + up) >> 1;
      else if (type === 4) {
        const p = left + up - upLeft;
        const pa = Math.abs(p - left);
        const pb = Math.abs(p - up);
        const pc = Math.abs(p - upLeft);
        v += pa <= pb && pa <= pc ? left : pb <= pc ? up : upLeft;
      } else if (type !== 0) throw new PdfError('MALFORMED_PDF', `bad PNG predictor type ${type}`);
      cur[i] = v & 0xff;
    }
    prev = cur;
  }
  return out;
}

/**
 * Decodes a structural stream (xref stream, object stream). Only FlateDecode with optional PNG predictors is
 * supported, which is what writers use for these streams; output is capped at {@link MAX_DECODED_STREAM}.
 */
export function decodeStream(dict: PdfDict, raw: Uint8Array): Uint8Array {
  const { names, parms } = filters(dict);
  let data = raw;
  names.forEach((name, i) => {
    // A /Crypt filter (7.4.10) was applied when the data was read (PdfReader.streamData).
    if (name === 'Crypt') return;
    if (name !== 'FlateDecode' && name !== 'Fl') throw new PdfError('UNSUPPORTED_FILTER', `filter ${name}`);
    try {
      data = inflateSync(data, { maxOutputLength: MAX_DECODED_STREAM, finishFlush: 2 /* Z_SYNC_FLUSH */ });
    } catch (err) {
      throw new PdfError('MALFORMED_PDF', `cannot inflate stream: ${(err as Error).message}`, { cause: err });
    }
    data = unpredict(data, parms[i]);
  });
  return data;
}
