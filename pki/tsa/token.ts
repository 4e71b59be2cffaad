import { createHash } from 'node:crypto';
import type { DigestAlgorithm } from '../../pdf/core/source';
import { type CertificateInfo, certHash, parseCertificate } from '../../pdf/cms/certificate';
import { ctx, int, octets, oid, seq, set, setOf, tlv } from '../../pdf/cms/der';
import { DIGEST_OID_OF, OID } from '../../pdf/cms/oids';
import { keyAlgorithmOf, signatureAlgorithmId } from '../../pdf/cms/signed-data';
import type { Signer } from '../signer';

/** Accuracy of genTime (RFC 3161 2.4.2): how far the TSA clock may be from UTC. */
export interface Accuracy {
  seconds?: number;
  /** 1..999 */
  millis?: number;
}

/** The fields of a TSTInfo (RFC 3161 2.4.2) the authority decides. */
export interface TstInfoFields {
  policy: string;
  hashAlgorithm: DigestAlgorithm;
  hashedMessage: Uint8Array;
  /** serialNumber content octets (positive, unique per TSA for ever). */
  serial: Uint8Array;
  genTime: Date;
  accuracy?: Accuracy;
  /** Echoed from the request, content octets as received. */
  nonce?: Uint8Array;
}

/**
 * GeneralizedTime in UTC with milliseconds when not zero (RFC 3161 2.4.2: "YYYYMMDDhhmmss[.s...]Z", no trailing
 * zeros in the fraction, no fraction when it is zero).
 */
export function generalizedTime(d: Date): Buffer {
  const iso = d.toISOString();
  const base = iso.slice(0, 19).replace(/[-:T]/g, '');
  const ms = iso.slice(20, 23).replace(/0+$/, '');
  return tlv(0x18, Buffer.from(`${base}${ms ? `.${ms}` : ''}Z`, 'latin1'));
}

function accuracy(a: Accuracy): Buffer {
  const parts: Buffer[] = [];
  if (a.seconds) parts.push(int(a.seconds));
  // millis [0] IMPLICIT INTEGER: primitive context tag 0x80.
  if (a.millis) parts.push(tlv(0x80, int(a.millis).subarray(2)));
  return seq(...parts);
}

/** DER of a TSTInfo (RFC 3161 2.4.2) naming the TSA by its certificate subject in the `tsa` field. */
export function buildTstInfo(f: TstInfoFields, tsa: CertificateInfo): Buffer {
  return seq(
    int(1),
    oid(f.policy),
    seq(seq(oid(DIGEST_OID_OF[f.hashAlgorithm])), octets(f.hashedMessage)),
    int(f.serial),
    generalizedTime(f.genTime),
    ...(f.accuracy ? [accuracy(f.accuracy)] : []),
    ...(f.nonce ? [int(f.nonce)] : []),
    // tsa [0] GeneralName, EXPLICIT (a CHOICE); directoryName [4] EXPLICIT Name.
    ctx(0, ctx(4, tsa.subjectRaw)),
  );
}

/** The TSA's key and certificates: its own certificate first, then its issuers. */
export interface TsaCredentials {
  signer: Signer;
  chain: Uint8Array[];
}

/**
 * Signs a TSTInfo into a time-stamp token (RFC 3161 2.4.2): a CMS SignedData (RFC 5652 5, version 3 as the content
 * is not id-data) encapsulating the TSTInfo, one SignerInfo by the TSA with the signed attributes content-type,
 * message-digest and ESS signing-certificate-v2 (RFC 5816, RFC 5035), as RFC 3161 2.4.1 requires to bind the token
 * to the TSA certificate. The certificates are included only when the request asked for them (certReq).
 */
export async function buildTimestampToken(
  tstInfo: Uint8Array,
  tsa: TsaCredentials,
  options: { includeCertificates: boolean; hash?: 'SHA-256' | 'SHA-384' },
): Promise<Buffer> {
  const hash = options.hash ?? 'SHA-256';
  const cert = parseCertificate(tsa.chain[0]!);
  const keyAlgorithm = keyAlgorithmOf(cert);
  if (!keyAlgorithm) throw new Error('TSA key must be RSA or ECDSA');
  const digestAlg = seq(oid(DIGEST_OID_OF[hash]));
  const essCertIdV2 = seq(octets(certHash(cert.der)), seq(seq(tlv(0xa4, cert.issuerRaw)), int(cert.serial)));
  const attrs = setOf(
    seq(oid(OID.contentType), set(oid(OID.tstInfo))),
    seq(
      oid(OID.messageDigest),
      set(
        octets(
          createHash(hash === 'SHA-384' ? 'sha384' : 'sha256')
            .update(tstInfo)
            .digest(),
        ),
      ),
    ),
    seq(oid(OID.signingCertificateV2), set(seq(seq(essCertIdV2)))),
  );
  const signature = await tsa.signer.sign(attrs, { hash });
  const scheme = { keyAlgorithm, hash, rsaScheme: 'pkcs1' } as const;
  const signerInfo = seq(
    int(1),
    seq(cert.issuerRaw, int(cert.serial)),
    digestAlg,
    Buffer.concat([Buffer.from([0xa0]), attrs.subarray(1)]),
    signatureAlgorithmId(scheme),
    octets(signature),
  );
  const signedData = seq(
    int(3),
    set(digestAlg),
    seq(oid(OID.tstInfo), ctx(0, octets(tstInfo))),
    ...(options.includeCertificates ? [ctx(0, ...tsa.chain)] : []),
    set(signerInfo),
  );
  return seq(oid(OID.signedData), ctx(0, signedData));
}
