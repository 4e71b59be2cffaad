export type {
  PathValidationInput,
  TrustAnchor,
  ValidationReport,
  ValidationCode,
  KeyUsageName,
} from './types';
export { ValidationCodes } from './types';
export type { Signer } from './signer';

export { Oid, LIENTHONG_POLICY_OID } from './oids';
export { validatePath, validatePathSync } from './validate';
export {
  describeName,
  describeCertificate,
  subjectAttributes,
  type CertificateSummary,
  type SubjectAttributes,
} from './describe';
export { Asn1Error } from './asn1/der';

export { generateKeyPair, KeyAlgorithmNames, type KeyAlgorithmName, type KeyPair } from './ca/keys';
export { DnAttributeTypes, type DnAttribute, type DnAttributeType } from './ca/names';
export { randomSerial, serialToHex, serialFromHex } from './ca/serial';
export {
  issueCertificate,
  type CaCredentials,
  type IssuedCertificate,
  type IssueCertificateParams,
} from './ca/issue-certificate';
export {
  createRootCa,
  createIssuingCa,
  type CreatedCa,
  type CreateRootCaParams,
  type CreateIssuingCaParams,
} from './ca/create-ca';
export {
  issueEndEntity,
  endEntitySubject,
  EndEntityProfiles,
  type EndEntityProfile,
  type EndEntitySubject,
  type IssueEndEntityParams,
} from './ca/end-entity';
export {
  createCrl,
  CrlReasons,
  type CrlReason,
  type CreateCrlParams,
  type RevokedEntry,
} from './ca/create-crl';

export { createKeySigner } from './keystore/key-signer';
export {
  encryptPrivateKey,
  decryptPrivateKey,
  signerFromEncryptedPkcs8,
  createFileSigner,
  type FileSignerOptions,
} from './keystore/encrypted-pkcs8';
export { exportPkcs12, importPkcs12, type ImportedPkcs12 } from './keystore/pkcs12';
export { KeystoreError, KeystoreErrorCodes, type KeystoreErrorCode } from './keystore/errors';
