/**
 * Object identifiers used by CMS signatures in PDF (RFC 5652, RFC 5035, RFC 4055, RFC 5758; SHA-3 and the signature
 * algorithms with SHA-3 from the NIST Computer Security Objects Register, as RFC 8702 and RFC 9688 use them).
 */
export const OID = {
  data: '1.2.840.113549.1.7.1',
  signedData: '1.2.840.113549.1.7.2',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingTime: '1.2.840.113549.1.9.5',
  signingCertificate: '1.2.840.113549.1.9.16.2.12',
  signingCertificateV2: '1.2.840.113549.1.9.16.2.47',
  sha1: '1.3.14.3.2.26',
  sha256: '2.16.840.1.101.3.4.2.1',
  sha384: '2.16.840.1.101.3.4.2.2',
  sha512: '2.16.840.1.101.3.4.2.3',
  sha3_256: '2.16.840.1.101.3.4.2.8',
  sha3_384: '2.16.840.1.101.3.4.2.9',
  sha3_512: '2.16.840.1.101.3.4.2.10',
  rsaEncryption: '1.2.840.113549.1.1.1',
  sha1WithRSA: '1.2.840.113549.1.1.5',
  sha256WithRSA: '1.2.840.113549.1.1.11',
  sha384WithRSA: '1.2.840.113549.1.1.12',
  sha512WithRSA: '1.2.840.113549.1.1.13',
  rsassaPss: '1.2.840.113549.1.1.10',
  mgf1: '1.2.840.113549.1.1.8',
  ecPublicKey: '1.2.840.10045.2.1',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  ecdsaWithSha384: '1.2.840.10045.4.3.3',
  ecdsaWithSha512: '1.2.840.10045.4.3.4',
  ecdsaWithSha3_256: '2.16.840.1.101.3.4.3.10',
  ecdsaWithSha3_384: '2.16.840.1.101.3.4.3.11',
  ecdsaWithSha3_512: '2.16.840.1.101.3.4.3.12',
  rsaWithSha3_256: '2.16.840.1.101.3.4.3.14',
  rsaWithSha3_384: '2.16.840.1.101.3.4.3.15',
  rsaWithSha3_512: '2.16.840.1.101.3.4.3.16',
  keyUsage: '2.5.29.15',
  subjectKeyIdentifier: '2.5.29.14',
  extKeyUsage: '2.5.29.37',
  kpTimeStamping: '1.3.6.1.5.5.7.3.8',
  ed25519: '1.3.101.112',
  ed448: '1.3.101.113',
  dsaWithSha1: '1.2.840.10040.4.3',
  md5: '1.2.840.113549.2.5',
  sha224: '2.16.840.1.101.3.4.2.4',
  md5WithRSA: '1.2.840.113549.1.1.4',
  sha224WithRSA: '1.2.840.113549.1.1.14',
  ecdsaWithSha1: '1.2.840.10045.4.1',
  ecdsaWithSha224: '1.2.840.10045.4.3.1',
  tstInfo: '1.2.840.113549.1.9.16.1.4',
  signatureTimeStampToken: '1.2.840.113549.1.9.16.2.14',
} as const;

import type { DigestAlgorithm } from '../core/source';

export const DIGEST_OIDS: Record<string, DigestAlgorithm> = {
  [OID.sha1]: 'SHA-1',
  [OID.sha256]: 'SHA-256',
  [OID.sha384]: 'SHA-384',
  [OID.sha512]: 'SHA-512',
  [OID.sha3_256]: 'SHA3-256',
  [OID.sha3_384]: 'SHA3-384',
  [OID.sha3_512]: 'SHA3-512',
};

export const DIGEST_OID_OF: Record<DigestAlgorithm, string> = {
  'SHA-1': OID.sha1,
  'SHA-256': OID.sha256,
  'SHA-384': OID.sha384,
  'SHA-512': OID.sha512,
  'SHA3-256': OID.sha3_256,
  'SHA3-384': OID.sha3_384,
  'SHA3-512': OID.sha3_512,
};
