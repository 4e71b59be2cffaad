import type { DigestAlgorithm } from '../core/source';
import { decodeName } from './certificate';
import { type Der, DerError, children, decodeOid, expectTag, readDer } from './der';
import { DIGEST_OIDS } from './oids';

/** The fields of a TSTInfo (RFC 3161 2.4.2) that verification and the report use. */
export interface TstInfo {
  policy: string;
  /** messageImprint: the hash algorithm (undefined when unknown here), its OID and the hashed message. */
  imprintAlgorithm?: DigestAlgorithm;
  imprintAlgorithmOid: string;
  imprint: Uint8Array;
  /** serialNumber as lower-case hex. */
  serialHex: string;
  genTime: Date;
  /** The tsa GeneralName when it is a directoryName, as an RFC 4514 string. */
  tsaName?: string;
  /** nonce as lower-case hex, when the request carried one (RFC 3161 2.4.2: echoed by the TSA). */
  nonceHex?: string;
}

/** GeneralizedTime with optional fractional seconds, in UTC (RFC 3161 2.4.2: "YYYYMMDDhhmmss[.s...]Z"). */
function generalizedTime(d: Der): Date {
  const s = Buffer.from(expectTag(d, 0x18, 'genTime').value).toString('latin1');
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:\.(\d{1,9}))?Z$/.exec(s);
  if (!m) throw new DerError(`bad genTime ${s}`);
  const ms = m[7] ? Math.floor(Number(`0.${m[7]}`) * 1000) : 0;
  const t = Date.UTC(
    Number(m[1]),
    Number(m[2]) - 1,
    Number(m[3]),
    Number(m[4]),
    Number(m[5]),
    Number(m[6]),
    ms,
  );
  return new Date(t);
}

/** Parses the DER of a TSTInfo (RFC 3161 2.4.2). Throws {@link DerError} on a malformed structure. */
export function parseTstInfo(der: Uint8Array): TstInfo {
  const top = readDer(der, 0);
  if (top.end !== der.length) throw new DerError('data after TSTInfo');
  const f = children(expectTag(top, 0x30, 'TSTInfo'));
  const version = expectTag(f[0], 0x02, 'version').value;
  if (version.length !== 1 || version[0] !== 1) throw new DerError('TSTInfo version is not 1');
  const policy = decodeOid(f[1]!);
  const [alg, hashed] = children(expectTag(f[2], 0x30, 'messageImprint'));
  const imprintAlgorithmOid = decodeOid(children(expectTag(alg, 0x30, 'hashAlgorithm'))[0]!);
  const serial = expectTag(f[3], 0x02, 'serialNumber').value;
  const genTime = generalizedTime(f[4]!);
  let tsaName: string | undefined;
  let nonceHex: string | undefined;
  for (const x of f.slice(5)) {
    if (x.tag === 0x02)
      nonceHex = Buffer.from(x.value)
        .toString('hex')
        .replace(/^(00)+(?=.)/, '');
    if (x.tag !== 0xa0) continue;
    // tsa [0] GeneralName (EXPLICIT, as GeneralName is a CHOICE); directoryName is [4] EXPLICIT Name.
    const gn = children(x)[0];
    if (gn?.tag === 0xa4) tsaName = decodeName(children(gn)[0]!).text;
  }
  return {
    policy,
    imprintAlgorithm: DIGEST_OIDS[imprintAlgorithmOid],
    imprintAlgorithmOid,
    imprint: expectTag(hashed, 0x04, 'hashedMessage').value,
    serialHex: Buffer.from(serial)
      .toString('hex')
      .replace(/^(00)+(?=.)/, ''),
    genTime,
    ...(tsaName !== undefined ? { tsaName } : {}),
    ...(nonceHex !== undefined ? { nonceHex } : {}),
  };
}
