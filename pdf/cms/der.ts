/**
 * Minimal DER encoder and reader (ITU-T X.690) for the CMS structures of RFC 5652. Parsing is strict about lengths
 * and never reads outside the input; malformed input raises {@link DerError}.
 */

export class DerError extends Error {
  override readonly name = 'DerError';
}

function lengthBytes(n: number): number[] {
  if (n < 0x80) return [n];
  const out: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) out.unshift(v & 0xff);
  return [0x80 | out.length, ...out];
}

/** Tag-length-value with the given identifier octet. */
export function tlv(tag: number, ...content: Uint8Array[]): Buffer {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag, ...lengthBytes(body.length)]), body]);
}

export const seq = (...c: Uint8Array[]) => tlv(0x30, ...c);
/** SET with elements in the given order (use {@link setOf} for DER SET OF ordering). */
export const set = (...c: Uint8Array[]) => tlv(0x31, ...c);
/** SET OF with elements sorted by their encodings, as DER requires (X.690 11.6). */
export const setOf = (...c: Uint8Array[]) => tlv(0x31, ...[...c].sort((a, b) => Buffer.compare(a, b)));
export const octets = (b: Uint8Array) => tlv(0x04, b);
export const nul = () => Buffer.from([0x05, 0x00]);
/** Context-specific constructed tag `[n]` (EXPLICIT, or IMPLICIT for a constructed type). */
export const ctx = (n: number, ...c: Uint8Array[]) => tlv(0xa0 | n, ...c);

export function oid(dotted: string): Buffer {
  const parts = dotted.split('.').map(Number);
  const out: number[] = [40 * parts[0]! + parts[1]!];
  for (const p of parts.slice(2)) {
    const bytes: number[] = [p & 0x7f];
    for (let v = Math.floor(p / 128); v > 0; v = Math.floor(v / 128)) bytes.unshift(0x80 | (v & 0x7f));
    out.push(...bytes);
  }
  return tlv(0x06, Uint8Array.from(out));
}

/** INTEGER from a small non-negative number or from big-endian content octets (already two's complement). */
export function int(v: number | Uint8Array): Buffer {
  if (typeof v !== 'number') return tlv(0x02, v);
  const out: number[] = [];
  let x = v;
  do {
    out.unshift(x & 0xff);
    x = Math.floor(x / 256);
  } while (x > 0);
  if (out[0]! & 0x80) out.unshift(0);
  return tlv(0x02, Uint8Array.from(out));
}

/** A parsed TLV: `raw` is the whole encoding, `value` the content octets. */
export interface Der {
  tag: number;
  raw: Uint8Array;
  value: Uint8Array;
  constructed: boolean;
}

/**
 * Reads one TLV at `pos` in `buf`. Definite lengths (DER) and, for constructed values, BER indefinite lengths
 * (X.690 8.1.3.6) as some CMS writers (NSS) emit them outside the signed attributes.
 */
export function readDer(buf: Uint8Array, pos = 0, depth = 0): Der & { end: number } {
  if (depth > 64) throw new DerError('DER nesting too deep');
  if (pos + 2 > buf.length) throw new DerError('truncated DER');
  const tag = buf[pos]!;
  if ((tag & 0x1f) === 0x1f) throw new DerError('multi-byte tags are not supported');
  const constructed = (tag & 0x20) !== 0;
  let len = buf[pos + 1]!;
  let hdr = 2;
  if (len === 0x80) {
    if (!constructed) throw new DerError('indefinite length on a primitive value');
    let p = pos + 2;
    for (;;) {
      if (p + 2 > buf.length) throw new DerError('missing end-of-contents');
      if (buf[p] === 0 && buf[p + 1] === 0) break;
      p = readDer(buf, p, depth + 1).end;
    }
    return { tag, raw: buf.subarray(pos, p + 2), value: buf.subarray(pos + 2, p), constructed, end: p + 2 };
  }
  if (len > 0x80) {
    const n = len & 0x7f;
    if (n > 4 || pos + 2 + n > buf.length) throw new DerError('bad DER length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[pos + 2 + i]!;
    hdr += n;
  }
  const end = pos + hdr + len;
  if (end > buf.length) throw new DerError('DER length beyond input');
  return { tag, raw: buf.subarray(pos, end), value: buf.subarray(pos + hdr, end), constructed, end };
}

/** The children of a constructed value. */
export function children(d: Der): Der[] {
  if (!d.constructed) throw new DerError(`tag 0x${d.tag.toString(16)} is not constructed`);
  const out: Der[] = [];
  for (let pos = 0; pos < d.value.length;) {
    const c = readDer(d.value, pos);
    out.push(c);
    pos = c.end;
    if (out.length > 100_000) throw new DerError('too many elements');
  }
  return out;
}

/** Expects a tag and returns the element. */
export function expectTag(d: Der | undefined, tag: number, what: string): Der {
  if (!d || d.tag !== tag) throw new DerError(`expected ${what}`);
  return d;
}

export function decodeOid(d: Der): string {
  expectTag(d, 0x06, 'OBJECT IDENTIFIER');
  const b = d.value;
  if (b.length === 0) throw new DerError('empty OID');
  const parts: number[] = [
    Math.min(2, Math.floor(b[0]! / 40)),
    b[0]! - 40 * Math.min(2, Math.floor(b[0]! / 40)),
  ];
  let v = 0;
  for (let i = 1; i < b.length; i++) {
    v = v * 128 + (b[i]! & 0x7f);
    if (!(b[i]! & 0x80)) {
      parts.push(v);
      v = 0;
    }
  }
  return parts.join('.');
}

/**
 * Parses the first TLV of a buffer that may continue after it: zero padding (a PDF /Contents placeholder) or other
 * bytes. Returns the value and how many bytes after it are not zero.
 */
export function parseDerLeading(buf: Uint8Array): { der: Der; trailing: number } {
  const d = readDer(buf, 0);
  let trailing = 0;
  for (let i = d.end; i < buf.length; i++) if (buf[i] !== 0) trailing++;
  return { der: d, trailing };
}
