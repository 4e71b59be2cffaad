import { sign } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { Oid } from '../oids';
import { subjectKeyIdOf, type CaCredentials } from './issue-certificate';
import { keyIdentifier, signatureAlgorithmFor } from './keys';
import { serialFromHex } from './serial';
import { toTime } from './time';

/** CRLReason codes (RFC 5280 5.3.1). Value 7 is unused. */
export const CrlReasons = {
  unspecified: 0,
  keyCompromise: 1,
  cACompromise: 2,
  affiliationChanged: 3,
  superseded: 4,
  cessationOfOperation: 5,
  certificateHold: 6,
  removeFromCRL: 8,
  privilegeWithdrawn: 9,
  aACompromise: 10,
} as const;
export type CrlReason = keyof typeof CrlReasons;

export interface RevokedEntry {
  /** Serial as hex string or INTEGER content octets. */
  serial: string | Uint8Array;
  date: Date;
  /** Omitted or 'unspecified' writes no reasonCode extension, as RFC 5280 5.3.1 recommends. */
  reason?: CrlReason;
}

export interface CreateCrlParams {
  issuer: CaCredentials;
  /** Monotonically increasing cRLNumber (RFC 5280 5.2.3). */
  crlNumber: number | bigint;
  thisUpdate: Date;
  nextUpdate: Date;
  revoked: readonly RevokedEntry[];
  hash?: 'SHA-256' | 'SHA-384';
}

/**
 * Builds and signs a complete v2 CRL (RFC 5280 5.1) with authorityKeyIdentifier (5.2.1) and cRLNumber (5.2.3)
 * extensions and per-entry reasonCode (5.3.1).
 *
 * @throws Error on a malformed serial or an unparsable issuer certificate (programming errors).
 */
export function createCrl(params: CreateCrlParams): Uint8Array {
  const issuerCert = pkijs.Certificate.fromBER(params.issuer.certificate);
  const { algorithm, nodeHash } = signatureAlgorithmFor(params.issuer.privateKey, params.hash);
  const akid = subjectKeyIdOf(issuerCert) ?? keyIdentifier(issuerCert.subjectPublicKeyInfo);

  const crl = new pkijs.CertificateRevocationList();
  crl.version = 1;
  crl.signature = algorithm;
  crl.signatureAlgorithm = algorithm;
  crl.issuer = issuerCert.subject;
  crl.thisUpdate = toTime(params.thisUpdate);
  crl.nextUpdate = toTime(params.nextUpdate);
  if (params.revoked.length) {
    crl.revokedCertificates = params.revoked.map((r) => {
      const serial = typeof r.serial === 'string' ? serialFromHex(r.serial) : r.serial;
      const entry = new pkijs.RevokedCertificate({
        userCertificate: new asn1js.Integer({ valueHex: serial }),
        revocationDate: toTime(r.date),
      });
      if (r.reason && r.reason !== 'unspecified') {
        entry.crlEntryExtensions = new pkijs.Extensions({
          extensions: [
            new pkijs.Extension({
              extnID: Oid.reasonCode,
              critical: false,
              extnValue: new asn1js.Enumerated({ value: CrlReasons[r.reason] }).toBER(false),
            }),
          ],
        });
      }
      return entry;
    });
  }
  crl.crlExtensions = new pkijs.Extensions({
    extensions: [
      new pkijs.Extension({
        extnID: Oid.authorityKeyIdentifier,
        critical: false,
        extnValue: new pkijs.AuthorityKeyIdentifier({
          keyIdentifier: new asn1js.OctetString({ valueHex: akid }),
        })
          .toSchema()
          .toBER(false),
      }),
      new pkijs.Extension({
        extnID: Oid.cRLNumber,
        critical: false,
        extnValue: encodeInteger(BigInt(params.crlNumber)).toBER(false),
      }),
    ],
  });
  const tbs = new Uint8Array((crl.toSchema(true) as asn1js.Sequence).valueBlock.value[0].toBER(false));
  crl.tbsView = tbs;
  crl.signatureValue = new asn1js.BitString({ valueHex: sign(nodeHash, tbs, params.issuer.privateKey) });
  return new Uint8Array(crl.toSchema(false).toBER(false));
}

function encodeInteger(n: bigint): asn1js.Integer {
  if (n < 0n) throw new Error('cRLNumber must be non-negative');
  let hex = n.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  if (parseInt(hex.slice(0, 2), 16) & 0x80) hex = `00${hex}`;
  return new asn1js.Integer({ valueHex: Buffer.from(hex, 'hex') });
}
