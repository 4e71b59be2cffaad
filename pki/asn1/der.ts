import * as asn1js from 'asn1js';

/** Thrown by the DER readers on structurally invalid input; mapped to `MALFORMED` by the validator. */
export class Asn1Error extends Error {
  override readonly name = 'Asn1Error';
  readonly code = 'MALFORMED';
}

export type Block = asn1js.AsnType;

/** Parses exactly one BER/DER element spanning all of `bytes`. */
export function parseDer(bytes: Uint8Array, what: string): Block {
  if (bytes.length === 0) throw new Asn1Error(`${what}: empty input`);
  const result = asn1js.fromBER(bytes);
  if (result.offset === -1 || result.result.error)
    throw new Asn1Error(`${what}: ${result.result.error || 'bad BER'}`);
  if (result.offset !== bytes.length) throw new Asn1Error(`${what}: trailing data after the element`);
  return result.result;
}

function id(block: Block): { tagClass: number; tagNumber: number; isConstructed: boolean } {
  return (block as asn1js.BaseBlock).idBlock;
}

/** True for a universal-class element with the given tag number. */
export function isUniversal(block: Block | undefined, tagNumber: number): boolean {
  return !!block && id(block).tagClass === 1 && id(block).tagNumber === tagNumber;
}

/** True for a context-specific `[n]` element. */
export function isContext(block: Block | undefined, tagNumber: number): boolean {
  return !!block && id(block).tagClass === 3 && id(block).tagNumber === tagNumber;
}

export function tagNumberOf(block: Block): number {
  return id(block).tagNumber;
}

/** Children of a constructed element (SEQUENCE, SET, constructed context tag). */
export function children(block: Block | undefined, what: string): Block[] {
  if (!block || !id(block).isConstructed) throw new Asn1Error(`${what}: expected a constructed element`);
  const value = (block as asn1js.Constructed).valueBlock.value;
  if (!Array.isArray(value)) throw new Asn1Error(`${what}: expected a constructed element`);
  return value;
}

export function sequence(block: Block | undefined, what: string): Block[] {
  if (!isUniversal(block, 16)) throw new Asn1Error(`${what}: expected SEQUENCE`);
  return children(block, what);
}

/** The full encoding (tag, length, value) of an element as it appeared in the input. */
export function encodingOf(block: Block): Uint8Array {
  return new Uint8Array((block as asn1js.BaseBlock).valueBeforeDecodeView);
}

/** Content octets of a primitive element (OCTET STRING, INTEGER, implicit primitive tags). */
export function contentOf(block: Block | undefined, what: string): Uint8Array {
  if (!block || id(block).isConstructed) throw new Asn1Error(`${what}: expected a primitive element`);
  const vb = (block as asn1js.Primitive).valueBlock as { valueHexView?: Uint8Array };
  if (!vb.valueHexView) throw new Asn1Error(`${what}: no content`);
  return new Uint8Array(vb.valueHexView);
}

export function oid(block: Block | undefined, what: string): string {
  if (!isUniversal(block, 6)) throw new Asn1Error(`${what}: expected OBJECT IDENTIFIER`);
  const s = (block as asn1js.ObjectIdentifier).valueBlock.toString();
  if (!s || s.includes('undefined')) throw new Asn1Error(`${what}: bad OBJECT IDENTIFIER`);
  return s;
}

export function integerBytes(block: Block | undefined, what: string): Uint8Array {
  if (!isUniversal(block, 2)) throw new Asn1Error(`${what}: expected INTEGER`);
  const bytes = contentOf(block, what);
  if (bytes.length === 0) throw new Asn1Error(`${what}: empty INTEGER`);
  return bytes;
}

/** A small non-negative INTEGER (pathLen, skipCerts, cRLNumber comparisons); capped at 2^53. */
export function smallInteger(block: Block | undefined, what: string): number {
  const bytes = integerBytes(block, what);
  if (bytes[0] & 0x80) throw new Asn1Error(`${what}: negative INTEGER`);
  let n = 0;
  for (const b of bytes) {
    n = n * 256 + b;
    if (n > Number.MAX_SAFE_INTEGER) return Number.MAX_SAFE_INTEGER;
  }
  return n;
}

/** A non-negative INTEGER as bigint (cRLNumber, up to 20 octets). */
export function bigInteger(block: Block | undefined, what: string): bigint {
  const bytes = integerBytes(block, what);
  if (bytes[0] & 0x80) throw new Asn1Error(`${what}: negative INTEGER`);
  return BigInt(`0x${Buffer.from(bytes).toString('hex')}`);
}

export function boolean(block: Block | undefined, what: string): boolean {
  if (!isUniversal(block, 1)) throw new Asn1Error(`${what}: expected BOOLEAN`);
  return (block as asn1js.Boolean).valueBlock.value;
}

/** BIT STRING content: the bits as bytes and the count of unused trailing bits. */
export function bitString(block: Block | undefined, what: string): { bytes: Uint8Array; unusedBits: number } {
  if (!block || id(block).isConstructed) throw new Asn1Error(`${what}: expected BIT STRING`);
  const vb = (block as asn1js.BitString).valueBlock;
  return { bytes: new Uint8Array(vb.valueHexView), unusedBits: vb.unusedBits ?? 0 };
}

/** Bits of a named BIT STRING (KeyUsage, ReasonFlags) as a number, bit 0 = most significant bit of octet 0. */
export function namedBits(block: Block | undefined, what: string): number {
  const { bytes } = bitString(block, what);
  let mask = 0;
  for (let i = 0; i < bytes.length * 8 && i < 31; i++) if (bytes[i >> 3] & (0x80 >> (i & 7))) mask |= 1 << i;
  return mask;
}

/** UTCTime (RFC 5280 4.1.2.5.1, YY >= 50 means 19YY) or GeneralizedTime. */
export function time(block: Block | undefined, what: string): Date {
  if (isUniversal(block, 23)) return checkDate((block as asn1js.UTCTime).toDate(), what);
  if (isUniversal(block, 24)) return checkDate((block as asn1js.GeneralizedTime).toDate(), what);
  throw new Asn1Error(`${what}: expected UTCTime or GeneralizedTime`);
}

function checkDate(d: Date, what: string): Date {
  if (Number.isNaN(d.getTime())) throw new Asn1Error(`${what}: invalid time`);
  return d;
}

/** A character string of any ASN.1 string type, decoded to JS; undefined for non-string types. */
export function stringValue(block: Block): string | undefined {
  const tag = id(block);
  if (tag.tagClass !== 1 || tag.isConstructed) return undefined;
  switch (tag.tagNumber) {
    case 12: // UTF8String
    case 19: // PrintableString
    case 20: // TeletexString
    case 22: // IA5String
    case 26: // VisibleString
    case 27: // GeneralString
    case 30: // BMPString
    case 28: {
      // UniversalString
      const v = (block as unknown as { valueBlock: { value?: unknown } }).valueBlock.value;
      return typeof v === 'string' ? v : undefined;
    }
    default:
      return undefined;
  }
}

/** IA5/ASCII content of an implicitly tagged primitive (rfc822Name, dNSName, URI in GeneralName). */
export function ia5Content(block: Block, what: string): string {
  return Buffer.from(contentOf(block, what)).toString('latin1');
}

export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}
