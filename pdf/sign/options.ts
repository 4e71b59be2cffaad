/** Visible signature kinds (Decree 30/2020 Appendix I) plus an invisible signature. */
export type AppearanceKind = 'personal' | 'organisation' | 'text' | 'none';

/** Rectangle in default user space: lower-left x, y, then width and height (points). */
export type Rect = [x: number, y: number, width: number, height: number];

/** How the signature shows on the page. */
export interface AppearanceOptions {
  kind: AppearanceKind;
  /** 1-based page number; default: last page for personal/organisation/none, first page for text. */
  page?: number;
  /**
   * Widget rectangle. Defaults: personal, bottom-right of the last page; organisation, so that the seal overlaps the
   * left third of the latest signature image on that page (or bottom-right when there is none); text, top right of
   * page 1.
   */
  rect?: Rect;
  /** PNG with transparency: the leader's blue signature (personal) or the agency's red seal (organisation). */
  image?: Uint8Array;
  /** personal: authority and position line above the signature image, e.g. "TM. ỦY BAN NHÂN DÂN / CHỦ TỊCH". */
  title?: string;
  /** personal: signer's full name; organisation/text: agency name. Default from the certificate subject. */
  name?: string;
  /** text: document number and notation ("Số và ký hiệu văn bản"). */
  documentNumber?: string;
  /** text: explicit lines (e.g. copy form and copying agency); replaces the default lines. */
  lines?: string[];
  /** Seal diameter for organisation signatures, points (default 96, about 34 mm, close to a real seal). */
  sealSize?: number;
  /** Font bytes or path; see `loadAppearanceFont`. `defaultFontPath` is where the caller passes `LIENTHONG_FONT`. */
  fontBytes?: Uint8Array;
  fontPath?: string;
  defaultFontPath?: string;
}

import type { FieldLockOptions, MdpPermissions } from './mdp';

/** Options common to one-step and deferred signing. */
export interface SignatureOptions {
  /** Claimed signing time, written to the signature dictionary /M (ETSI EN 319 142-1 5.4.3). Always passed in. */
  signingTime: Date;
  /** Digest for ByteRange and signed attributes; default SHA-256. */
  hash?: 'SHA-256' | 'SHA-384';
  /** RSA only: PKCS #1 v1.5 (default) or RSASSA-PSS. */
  rsaScheme?: 'pkcs1' | 'pss';
  reason?: string;
  location?: string;
  contactInfo?: string;
  /** Partial field name (/T); default `Signature<n>`, unique in the form. */
  fieldName?: string;
  /** Default `{ kind: 'none' }` (invisible). */
  appearance?: AppearanceOptions;
  /**
   * Bytes reserved in /Contents beyond the size of a dry-run CMS with the largest signature the key can make
   * (default 512). Raise it when a deferred signer returns a whole CMS with extra unsigned attributes.
   */
  contentsMargin?: number;
  /**
   * Makes this a certification signature (ISO 32000-1 12.8.2.2): DocMDP with these permissions, referenced from the
   * catalog /Perms. Refused when the document already has a certification signature.
   */
  certify?: MdpPermissions;
  /** Locks fields after this signature (FieldMDP, 12.8.2.4; /Lock on the field, 12.7.4.5). */
  lock?: FieldLockOptions;
}
