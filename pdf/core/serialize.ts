import { PdfDict, PdfName, PdfRef, PdfStream, PdfString, type PdfValue } from './objects';
import { PdfError } from './errors';

/** Formats a number the way PDF expects: integers as is, reals in fixed notation without exponent (7.3.3). */
export function formatNumber(n: number): string {
  if (!Number.isFinite(n)) throw new PdfError('INVALID_OPTION', `cannot write number ${n}`);
  if (Number.isInteger(n)) return String(n);
  const s = n.toFixed(6).replace(/0+$/, '').replace(/\.$/, '');
  return s === '-0' ? '0' : s;
}

function nameToken(name: string): string {
  let out = '/';
  for (const ch of Buffer.from(name, 'latin1')) {
    const regular = ch > 0x20 && ch < 0x7f && !'()<>[]{}/%#'.includes(String.fromCharCode(ch));
    out += regular ? String.fromCharCode(ch) : `#${ch.toString(16).padStart(2, '0')}`;
  }
  return out;
}

/** Serialises a value in PDF syntax (7.3). Strings are written in hex form; streams cannot be re-serialised. */
export function serialize(v: PdfValue): string {
  if (v === null) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') return formatNumber(v);
  if (v instanceof PdfName) return nameToken(v.name);
  if (v instanceof PdfRef) return `${v.num} ${v.gen} R`;
  if (v instanceof PdfString) return `<${Buffer.from(v.bytes).toString('hex')}>`;
  if (Array.isArray(v)) return `[${v.map(serialize).join(' ')}]`;
  if (v instanceof PdfDict) {
    let s = '<<';
    for (const [k, val] of v.map) s += `${nameToken(k)} ${serialize(val)}`;
    return `${s}>>`;
  }
  if (v instanceof PdfStream) throw new PdfError('MALFORMED_PDF', 'streams cannot be re-serialised');
  throw new PdfError('MALFORMED_PDF', 'unknown value');
}

/** Shorthands for building values. */
export const pdf = {
  name: (n: string) => new PdfName(n),
  ref: (num: number, gen = 0) => new PdfRef(num, gen),
  str: (s: string) => new PdfString(Buffer.from(s, 'latin1'), false),
  dict: (o: Record<string, PdfValue>) => new PdfDict(Object.entries(o)),
};
