import { Oid } from '../oids';
import {
  Asn1Error,
  children,
  encodingOf,
  hex,
  isUniversal,
  oid,
  parseDer,
  stringValue,
  type Block,
} from '../asn1/der';

/** One AttributeTypeAndValue (RFC 5280 4.1.2.4). */
export interface Atv {
  type: string;
  /** Decoded string for directory strings; undefined for other value types. */
  text?: string;
  /** Full DER of the value, for non-string comparison and `#hex` output. */
  raw: Uint8Array;
}

/** A Name: a sequence of RDNs, each a set of AttributeTypeAndValue, in encoded order (most general first). */
export interface ParsedName {
  rdns: Atv[][];
  /** Comparison key per RDN (RFC 5280 7.1 normalisation), in order. */
  rdnKeys: string[];
  /** Comparison key of the whole name. */
  key: string;
  /** DER of the Name. */
  der: Uint8Array;
}

/**
 * Parses a Name (RFC 5280 4.1.2.4) and computes its comparison key following RFC 5280 7.1 / RFC 4518 in the
 * simplified form most validators use: string values are compared case-insensitively after trimming and collapsing
 * internal white space; other values compare by their DER.
 */
export function parseName(block: Block): ParsedName {
  if (!isUniversal(block, 16)) throw new Asn1Error('Name: expected SEQUENCE');
  const rdns = children(block, 'Name').map((set) => {
    if (!isUniversal(set, 17)) throw new Asn1Error('RDN: expected SET');
    return parseRdn(set);
  });
  const rdnKeys = rdns.map(rdnKey);
  return { rdns, rdnKeys, key: JSON.stringify(rdnKeys), der: encodingOf(block) };
}

/** The AttributeTypeAndValues of one RDN (a SET, or an implicitly tagged SET such as nameRelativeToCRLIssuer). */
export function parseRdn(set: Block): Atv[] {
  const atvs = children(set, 'RDN').map((seq) => {
    const [t, v, extra] = children(seq, 'AttributeTypeAndValue');
    if (!v || extra) throw new Asn1Error('AttributeTypeAndValue: expected type and value');
    return { type: oid(t, 'AttributeType'), text: stringValue(v), raw: encodingOf(v) };
  });
  if (atvs.length === 0) throw new Asn1Error('RDN: empty SET');
  return atvs;
}

/** `base` with one more RDN appended (RFC 5280 4.2.1.13 nameRelativeToCRLIssuer). */
export function appendRdn(base: ParsedName, rdn: Atv[]): ParsedName {
  const rdns = [...base.rdns, rdn];
  const rdnKeys = [...base.rdnKeys, rdnKey(rdn)];
  return { rdns, rdnKeys, key: JSON.stringify(rdnKeys), der: new Uint8Array(0) };
}

/** Parses a DER-encoded Name. */
export function parseNameDer(der: Uint8Array): ParsedName {
  return parseName(parseDer(der, 'Name'));
}

function normalise(s: string): string {
  return s.normalize('NFKC').toLowerCase().trim().replace(/\s+/g, ' ');
}

function atvKey(a: Atv): string {
  return `${a.type}=${a.text !== undefined ? `s:${normalise(a.text)}` : `x:${hex(a.raw)}`}`;
}

function rdnKey(rdn: Atv[]): string {
  return JSON.stringify(rdn.map(atvKey).sort());
}

/** RFC 5280 7.1 name equality. */
export function namesEqual(a: ParsedName, b: ParsedName): boolean {
  return a.key === b.key;
}

/** True if `base` is a prefix of `name` (directoryName subtree membership, RFC 5280 4.2.1.10). */
export function nameWithin(name: ParsedName, base: ParsedName): boolean {
  if (base.rdnKeys.length > name.rdnKeys.length) return false;
  return base.rdnKeys.every((k, i) => k === name.rdnKeys[i]);
}

const SHORT: Record<string, string> = {
  [Oid.commonName]: 'CN',
  [Oid.locality]: 'L',
  [Oid.stateOrProvince]: 'ST',
  [Oid.organization]: 'O',
  [Oid.organizationalUnit]: 'OU',
  [Oid.country]: 'C',
  '2.5.4.9': 'STREET',
  [Oid.domainComponent]: 'DC',
  [Oid.userId]: 'UID',
  [Oid.title]: 'title',
  [Oid.serialNumber]: 'serialNumber',
  [Oid.emailAddress]: 'emailAddress',
  [Oid.givenName]: 'GN',
  [Oid.surname]: 'SN',
};

function escapeValue(s: string): string {
  let out = s.replace(/[\\,+"<>;=]/g, (c) => `\\${c}`).replace(/\0/g, '\\00');
  if (out.startsWith(' ') || out.startsWith('#')) out = `\\${out}`;
  if (out.endsWith(' ') && out.length > 1) out = `${out.slice(0, -1)}\\ `;
  return out;
}

/**
 * RFC 4514 string of a name: RDNs most specific first, short names for common types, Unicode kept as is
 * (e.g. `CN=Nguyễn Văn An,O=Ủy ban nhân dân xã Tân Phú,C=VN`).
 */
export function formatName(name: ParsedName): string {
  return name.rdns
    .slice()
    .reverse()
    .map((rdn) =>
      rdn
        .map(
          (a) =>
            `${SHORT[a.type] ?? a.type}=${a.text !== undefined ? escapeValue(a.text) : `#${hex(a.raw)}`}`,
        )
        .join('+'),
    )
    .join(',');
}

/** All emailAddress attribute values of a name (name constraints apply rfc822Name to them, RFC 5280 4.2.1.10). */
export function emailAddresses(name: ParsedName): string[] {
  return name.rdns
    .flat()
    .filter((a) => a.type === Oid.emailAddress && a.text !== undefined)
    .map((a) => a.text!);
}
