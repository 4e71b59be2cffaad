/**
 * PAdES signing and verification for documents exchanged between agencies (ISO 32000-1 12.8, ETSI EN 319 142-1
 * baseline B-B, RFC 5652 CMS), with Decree 30/2020 visible signatures. Signatures are appended as incremental updates;
 * large files are hashed by streaming from disk.
 */
export { PdfError, PdfErrorCodes, isPdfError, type PdfErrorCode } from './core/errors';
export type { PdfInput } from './core/source';
export type { StructureWarning, StructureWarningCode } from './core/warnings';

export type { AppearanceKind, AppearanceOptions, Rect, SignatureOptions } from './sign/options';
export {
  prepareSignature,
  type PrepareOptions,
  type PreparedSignature,
  type PreparedSignatureState,
} from './sign/prepare';
export { completeSignature, completeSignatureFile, type SignatureResult } from './sign/complete';
export { signPdf, signPdfFile, type SignPdfOptions } from './sign/sign-pdf';

export { verifyPdf, type VerifyPdfOptions } from './verify/verify-pdf';
export { classifyRole, type Decree30Options } from './verify/decree30';
export { CHANGE_RULES, type ChangeRuleId } from './verify/changes';
export {
  INDICATIONS,
  SUB_INDICATIONS,
  type Change,
  type ChangeAnalysis,
  type ModificationLevel,
  type Decree30Report,
  type DocumentTimestampReport,
  type Indication,
  type PdfVerificationReport,
  type SignatureReport,
  type SignerInfoReport,
  type SubIndication,
  type TimestampReport,
} from './verify/report';
export { DEFAULT_CRYPTO_POLICY, type CryptoPolicy } from './verify/crypto-policy';

export { readCertificates, parseCertificate, type CertificateInfo } from './cms/certificate';
export { formatVietnamTime } from './appearance/time-format';
export {
  loadAppearanceFont,
  bundledFontPath,
  DEBIAN_LIBERATION_SERIF,
  type FontWeight,
} from './appearance/font';
