import type { Rect } from '../sign/options';

/**
 * The fields of an administrative document laid out per Decree 30/2020/NĐ-CP Appendix I ("thể thức văn bản").
 * Text is given as it should read; the layout upper-cases what the decree prints in capitals.
 */
export interface Decree30Fields {
  /** Managing agency ("cơ quan chủ quản"), e.g. "Ủy ban nhân dân tỉnh Hòa An"; absent for a commune committee. */
  parentAgency?: string;
  /** Issuing agency ("cơ quan ban hành"), e.g. "Sở Nội vụ". */
  agency: string;
  /** Number, empty in a draft (the clerk's register gives it at issue): "Số:    /SNV-VP". */
  number?: string;
  /** Notation ("ký hiệu"), e.g. "QĐ-UBND" or "UBND-VP". */
  notation: string;
  /** Place of promulgation ("địa danh"), e.g. "Tân Phú". */
  place: string;
  /** Date of promulgation, yyyy-MM-dd. */
  date: string;
  /**
   * Name of the document type ("tên loại văn bản"), e.g. "Quyết định"; absent for an official letter ("công văn"),
   * whose subject is printed as "V/v …" under its number.
   */
  typeName?: string;
  /** Summary of the content ("trích yếu nội dung"). */
  subject: string;
  /** "Kính gửi:" addressees of an official letter. */
  addressees?: string[];
  /** Body paragraphs ("nội dung"). */
  body: string[];
  /** "Nơi nhận:" items; "Lưu: VT" is added last. */
  recipients: string[];
  /** Signature block ("chữ ký của người có thẩm quyền"). */
  signature: {
    /** Authority ("quyền hạn"), e.g. "TM. ỦY BAN NHÂN DÂN" or "KT. CHỦ TỊCH"; absent when the head signs. */
    competence?: string;
    /** Position ("chức vụ"), e.g. "PHÓ CHỦ TỊCH". */
    position: string;
    /** Full name ("họ tên"), e.g. "Nguyễn Văn An". */
    fullName: string;
  };
}

/**
 * Where the document puts its signature block (1-based page, rectangles in points, origin bottom left): signing
 * draws the leader's signature image in `image` (between the title lines and the name) and the seal in `seal`,
 * over the left third of `image` (Decree 30/2020 Appendix I, section II).
 */
export interface SignatureBlockLayout {
  page: number;
  block: Rect;
  title: Rect;
  image: Rect;
  name: Rect;
  seal: Rect;
}

/** The four faces of the document font (Times New Roman metrics: Tinos by default). */
export interface DocumentFonts {
  regular: Uint8Array;
  bold: Uint8Array;
  italic: Uint8Array;
  boldItalic: Uint8Array;
}

/** Key of the document information dictionary that carries the signature block as JSON (ISO 32000-1 14.3.3). */
export const SIGNATURE_BLOCK_INFO_KEY = 'LienthongSignatureBlock';
